/** Hex characters of the template's hash in a revision name (`<release>-<hash>`). */
export const TEMPLATE_HASH_LENGTH = 8;
/** Cloud Run revision names are DNS labels of at most 63 characters that start with `<service>-`. */
export const MAX_REVISION_NAME = 63;
