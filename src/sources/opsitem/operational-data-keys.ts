/**
 * OperationalData keys that itsm-sync reads or writes on OpsItems.
 */

/**
 * Prefix of every key the connector writes. The view leaves these keys out, so the connector's own
 * write-back never changes what mappings see. It avoids the prefixes that the SSM API reserves
 * (amazon, aws, amzn, ssm and the same with a leading slash).
 */
export const ITSM_SYNC_KEY_PREFIX = 'itsm-sync:';

/** The linked ticket as JSON `{"system", "number", "url"}`, searchable in OpsCenter. */
export const TICKET_DATA_KEY = `${ITSM_SYNC_KEY_PREFIX}ticket`;

/** Notes from the ITSM side, newest last, each under a line with its time. */
export const NOTES_DATA_KEY = `${ITSM_SYNC_KEY_PREFIX}notes`;

/** The key AWS uses for the related resources: JSON text `[{"arn": "…"}, …]`. */
export const RELATED_RESOURCES_DATA_KEY = '/aws/resources';
