import type { Answer } from "dns-packet";
import { normalizeMdnsName } from "./names.js";
import type { MdnsPublication } from "./publication.js";
import { type AddressRecord, addressAnswers, addressRecords, MAX_ENTRIES, questionClass } from "./records.js";
import type { MdnsPacket } from "./shared-socket.js";

/** RFC 6762 §6.7: TTL in legacy unicast answers at most ten seconds. */
const LEGACY_TTL = 10;

/** What a responder sends for one query, by how it is sent. */
export interface QueryAnswers {
  /** To the group (RFC 6762 §6). */
  multicast: Answer[];
  /** To the asker, for questions with the unicast-response bit (§5.4). */
  unicast: Answer[];
  /** To a legacy resolver (not port 5353), with its questions echoed (§6.7). */
  legacy: Answer[];
  legacyQuestions: NonNullable<MdnsPacket["questions"]>;
  /** The other address family's records, as additional information (§6.2). */
  additionals: Answer[];
  /** Questions answered (the responder's `answered` counter). */
  answered: number;
}

/**
 * The answers a query gets: A/AAAA/ANY questions for announced names in
 * `byName` only, known answers suppressed (§7.1), at most one multicast answer
 * per name and family per interval (`mayMulticast` decides and records it).
 */
export function queryAnswers(
  packet: MdnsPacket,
  legacy: boolean,
  byName: ReadonlyMap<string, MdnsPublication>,
  mayMulticast: (name: string, family: 4 | 6) => boolean,
): QueryAnswers {
  const out: QueryAnswers = {
    multicast: [],
    unicast: [],
    legacy: [],
    legacyQuestions: [],
    additionals: [],
    answered: 0,
  };
  const knownAnswers = addressRecords({ answers: packet.answers });
  for (const question of (packet.questions ?? []).slice(0, MAX_ENTRIES)) {
    if (!question || typeof question.name !== "string") continue;
    const publication = byName.get(normalizeMdnsName(question.name));
    if (publication?.state_ !== "announced") continue;
    const klass = questionClass(question.class);
    if (!klass.internet) continue;
    const type: string = question.type;
    const families: (4 | 6)[] = type === "A" ? [4] : type === "AAAA" ? [6] : type === "ANY" ? [4, 6] : [];
    for (const family of families) {
      const ttl = legacy ? Math.min(LEGACY_TTL, publication.ttl) : publication.ttl;
      let answers = addressAnswers(publication.name_, publication.parsed, family, ttl, !legacy);
      // §7.1 known-answer suppression.
      answers = answers.filter((a) => !isKnown(knownAnswers, publication, a, family));
      if (answers.length === 0) continue;
      out.answered++;
      if (legacy) {
        out.legacy.push(...answers);
        out.legacyQuestions.push(question);
      } else if (klass.unicast) out.unicast.push(...answers);
      else if (mayMulticast(publication.name_, family)) out.multicast.push(...answers);
      else continue;
      // §6.2: the other family's records as additional information.
      if (!legacy && families.length === 1) {
        out.additionals.push(
          ...addressAnswers(publication.name_, publication.parsed, family === 4 ? 6 : 4, ttl, true),
        );
      }
    }
  }
  return out;
}

/** §7.1: the asker already holds this answer with at least half its TTL left. */
function isKnown(
  known: AddressRecord[],
  publication: MdnsPublication,
  answer: Answer,
  family: 4 | 6,
): boolean {
  const data = (answer as { data: string }).data;
  const key = publication.parsed.find((a) => a.text === data)?.key;
  return known.some(
    (k) =>
      k.name === publication.name_ && k.family === family && k.key === key && k.ttl >= publication.ttl / 2,
  );
}
