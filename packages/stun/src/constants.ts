/** The magic cookie of every RFC 5389/8489 message (RFC 8489 §5). */
export const MAGIC_COOKIE = 0x2112a442;

/** Size of the STUN header in bytes. */
export const HEADER_LENGTH = 20;

/** XOR constant of FINGERPRINT: "STUN" in ASCII (RFC 8489 §14.7). */
export const FINGERPRINT_XOR = 0x5354554e;

/** The four message classes (RFC 8489 §5). */
export const StunClass = {
  /** 0b00: a request, answered by a response. */
  Request: 0,
  /** 0b01: an indication, never answered. */
  Indication: 1,
  /** 0b10: a success response. */
  SuccessResponse: 2,
  /** 0b11: an error response (with ERROR-CODE). */
  ErrorResponse: 3,
} as const;
/** A message class: one of the values of {@link StunClass}. */
export type StunClass = (typeof StunClass)[keyof typeof StunClass];

/** Methods of STUN (RFC 8489), TURN (RFC 8656) and TURN-TCP (RFC 6062). */
export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
  Connect: 0x00a,
  ConnectionBind: 0x00b,
  ConnectionAttempt: 0x00c,
} as const;
/** A method number (12 bits). Known ones are in {@link StunMethod}. */
export type StunMethod = number;

/**
 * Attribute types. Values below 0x8000 are comprehension-required: a receiver
 * that does not know one must reject the message (RFC 8489 §14).
 */
export const AttributeType = {
  // RFC 8489
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  REALM: 0x0014,
  NONCE: 0x0015,
  MESSAGE_INTEGRITY_SHA256: 0x001c,
  PASSWORD_ALGORITHM: 0x001d,
  USERHASH: 0x001e,
  XOR_MAPPED_ADDRESS: 0x0020,
  PASSWORD_ALGORITHMS: 0x8002,
  ALTERNATE_DOMAIN: 0x8003,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  FINGERPRINT: 0x8028,
  // RFC 8445 (ICE)
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
  // RFC 8656 (TURN)
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_ADDRESS_FAMILY: 0x0017,
  EVEN_PORT: 0x0018,
  REQUESTED_TRANSPORT: 0x0019,
  DONT_FRAGMENT: 0x001a,
  RESERVATION_TOKEN: 0x0022,
  ADDITIONAL_ADDRESS_FAMILY: 0x8000,
  ADDRESS_ERROR_CODE: 0x8001,
  ICMP: 0x8004,
  // RFC 5780 (NAT behaviour discovery; coturn sends RESPONSE-ORIGIN)
  CHANGE_REQUEST: 0x0003,
  PADDING: 0x0026,
  RESPONSE_PORT: 0x0027,
  RESPONSE_ORIGIN: 0x802b,
  OTHER_ADDRESS: 0x802c,
  // RFC 6062 (TURN-TCP)
  CONNECTION_ID: 0x002a,
} as const;
/** An attribute type number (16 bits). Known ones are in {@link AttributeType}. */
export type AttributeType = number;

const names = new Map<number, string>();
for (const [name, type] of Object.entries(AttributeType)) names.set(type, name.replaceAll("_", "-"));
// Seen on the wire from Chromium; known by name only (comprehension-optional).
names.set(0xc057, "GOOG-NETWORK-INFO");

/** Known comprehension-required attribute types (the rest below 0x8000 are unknown). */
const knownRequired = new Uint8Array(0x8000);
for (const type of Object.values(AttributeType)) if (type < 0x8000) knownRequired[type] = 1;

/** True for types 0x0000–0x7FFF, which a receiver must understand (RFC 8489 §14). */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/** True when this package knows the comprehension-required `type`. */
export function isKnownComprehensionRequired(type: number): boolean {
  return knownRequired[type] === 1;
}

/** The RFC name of an attribute type (`"XOR-MAPPED-ADDRESS"`), or `0xNNNN`. */
export function attributeName(type: number): string {
  return names.get(type) ?? `0x${type.toString(16).padStart(4, "0")}`;
}

/** The name of a method (`"Binding"`), or `0xNNN`. */
export function methodName(method: number): string {
  for (const [name, value] of Object.entries(StunMethod)) if (value === method) return name;
  return `0x${method.toString(16).padStart(3, "0")}`;
}

/** The name of a class (`"Request"`, `"SuccessResponse"`, …). */
export function className(cls: StunClass): string {
  return (["Request", "Indication", "SuccessResponse", "ErrorResponse"] as const)[cls];
}

/**
 * Combines method and class into the 14-bit message type: the class bits C1
 * and C0 sit at bits 8 and 4, between the method bits (RFC 8489 §5).
 */
export function messageType(method: number, cls: StunClass): number {
  return (
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((cls & 1) << 4) |
    ((cls & 2) << 7)
  );
}

/** The method of a message type. */
export function methodOf(type: number): number {
  return (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
}

/** The class of a message type. */
export function classOf(type: number): StunClass {
  return (((type >> 4) & 1) | ((type >> 7) & 2)) as StunClass;
}

/** Address family numbers of the address attributes (RFC 8489 §14.1). */
export const AddressFamily = { IPv4: 0x01, IPv6: 0x02 } as const;

/** Password algorithms of PASSWORD-ALGORITHM(S) (RFC 8489 §18.5). */
export const PasswordAlgorithm = { MD5: 0x0001, SHA256: 0x0002 } as const;
