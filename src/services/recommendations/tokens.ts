/**
 * The secret of a shared link: a link secret (services/shared/linkSecrets.ts),
 * under the names second opinions use.
 */
export { hashLinkSecret as hashShareToken, isLinkSecretShaped as isShareTokenShaped, newLinkSecret as newShareToken } from "../shared/linkSecrets";
