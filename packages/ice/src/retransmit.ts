/** Retransmission schedule of one STUN client transaction. */
export interface RetransmitOptions {
  /** First retransmission timeout, ms (doubles after each try). */
  rto: number;
  /** Largest timeout between two tries, ms; also how long the last try waits. */
  maxRto: number;
  /** Transmissions in all (the first one included). */
  attempts: number;
}
