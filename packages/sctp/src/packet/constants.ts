/** Chunk types (RFC 9260 §3.2, RFC 3758 §3.2, RFC 6525 §3.1, RFC 8260 §2.1, §2.3.1). */
export const ChunkType = {
  Data: 0,
  Init: 1,
  InitAck: 2,
  Sack: 3,
  Heartbeat: 4,
  HeartbeatAck: 5,
  Abort: 6,
  Shutdown: 7,
  ShutdownAck: 8,
  Error: 9,
  CookieEcho: 10,
  CookieAck: 11,
  ShutdownComplete: 14,
  IData: 64,
  ReConfig: 130,
  ForwardTsn: 192,
  IForwardTsn: 194,
} as const;

/** Parameter types (RFC 9260 §3.3.2, RFC 3758, RFC 5061, RFC 6525 §4, RFC 9653). */
export const ParamType = {
  HeartbeatInfo: 1,
  StateCookie: 7,
  UnrecognizedParameter: 8,
  CookiePreservative: 9,
  OutgoingSsnReset: 13,
  IncomingSsnReset: 14,
  SsnTsnReset: 15,
  ReconfigResponse: 16,
  AddOutgoingStreams: 17,
  AddIncomingStreams: 18,
  ZeroChecksumAcceptable: 0x8001,
  SupportedExtensions: 0x8008,
  ForwardTsnSupported: 0xc000,
} as const;

/** Error cause codes (RFC 9260 §3.3.10). */
export const CauseCode = {
  InvalidStreamIdentifier: 1,
  MissingMandatoryParameter: 2,
  StaleCookie: 3,
  OutOfResource: 4,
  UnresolvableAddress: 5,
  UnrecognizedChunkType: 6,
  InvalidMandatoryParameter: 7,
  UnrecognizedParameters: 8,
  NoUserData: 9,
  CookieReceivedWhileShuttingDown: 10,
  RestartWithNewAddresses: 11,
  UserInitiatedAbort: 12,
  ProtocolViolation: 13,
} as const;

/** Reconfiguration response results (RFC 6525 §4.4). */
export const ReconfigResult = {
  SuccessNothingToDo: 0,
  SuccessPerformed: 1,
  Denied: 2,
  ErrorWrongSsn: 3,
  ErrorRequestAlreadyInProgress: 4,
  ErrorBadSequenceNumber: 5,
  InProgress: 6,
} as const;

/** RFC 9653 error detection method: the packet is carried by DTLS (RFC 8261), which detects errors. */
export const EDMID_DTLS = 1;
