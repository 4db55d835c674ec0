import { SctpAssociation, type SctpAssociationLike, type SctpAssociationOptions } from "@purertc/sctp";

/** The association a PeerConnection's SCTP transport runs: @purertc/sctp's. */
export function createAssociation(options: SctpAssociationOptions): SctpAssociationLike {
  return new SctpAssociation(options);
}
