/*
 * itsm-sync webhook: a sample async business rule that notifies itsm-sync when a record changed, so
 * the connector does not wait for its next change poll. It POSTs
 *
 *   {"table":"incident","sys_id":"<32 hex>","sys_mod_count":3,"sys_updated_on":"2025-03-10 14:00:00","operation":"update"}
 *
 * with two headers:
 *   X-ItsmSync-Timestamp: Unix seconds when the notification was signed
 *   X-ItsmSync-Signature: base64 HMAC-SHA256 of (timestamp + "." + body), keyed with the shared secret
 *
 * itsm-sync answers 202 once the notification is queued, and 401 when the signature or the
 * timestamp is wrong (it allows 5 minutes of clock difference). Whatever the answer, the change
 * poller still finds the change later, so a lost notification only delays it.
 *
 * This script follows the documented APIs (sn_ws.RESTMessageV2, GlideCertificateEncryption,
 * GlideStringUtil, GlideDateTime, gs.getProperty). It has not been run against an instance here,
 * so try it on a sub-production instance first.
 *
 * How to install it (role: admin):
 *
 * 1. System Properties > New, two properties:
 *    - itsm_sync.webhook.url: the receiver URL, for example
 *      https://itsm-sync.example.com/webhooks/servicenow (itsm-sync serves it on its health port).
 *    - itsm_sync.webhook.secret: the shared secret, the same value as the connector's webhook
 *      secret, at least 16 ASCII characters (for example from `openssl rand -base64 32`).
 *      Set "Read roles" and "Write roles" to admin so that no other user can read it.
 *    NOTE: the script reads the secret with gs.getProperty. A property of type password2 stores
 *    the value encrypted, and whether gs.getProperty returns it decrypted has not been checked, so
 *    use type string with the admin-only roles above unless you have checked that.
 *
 * 2. System Definition > Business Rules > New:
 *    - Table: the table that itsm-sync syncs, such as Incident [incident]. Create one rule per table.
 *    - Advanced: checked.
 *    - When: async (async runs after the transaction commits, so the connector reads the
 *      committed record and the user's save does not wait for the HTTP call).
 *    - Insert: checked. Update: checked.
 *    - Condition: current.sys_updated_by != 'itsm.sync'
 *      Put the integration user's user_name there. Its own writes need no notification, and
 *      skipping them keeps the connector from reacting to its own updates.
 *    - Script: this file.
 *
 * 3. Allow outbound HTTPS from the instance to the receiver URL (network or MID Server set-up).
 */
(function executeRule(current, previous /* null in async rules */) {
  var SKIPPED_USER = 'itsm.sync';

  var url = gs.getProperty('itsm_sync.webhook.url', '');
  var secret = gs.getProperty('itsm_sync.webhook.secret', '');
  if (!url || !secret) {
    gs.warn('itsm-sync webhook: set the system properties itsm_sync.webhook.url and itsm_sync.webhook.secret');
    return;
  }

  // The Condition field should already skip the integration user; this check keeps the rule safe
  // when the condition is left empty.
  if (current.getValue('sys_updated_by') === SKIPPED_USER) {
    return;
  }

  // getValue returns the stored values: sys_updated_on in UTC as YYYY-MM-DD HH:mm:ss.
  var modCount = parseInt(current.getValue('sys_mod_count'), 10) || 0;

  // An async rule runs after the transaction, where current.operation() may not be set. A record
  // that was never updated has sys_mod_count 0, which distinguishes an insert from an update.
  var operation = typeof current.operation === 'function' ? current.operation() : null;
  if (operation !== 'insert' && operation !== 'update') {
    operation = modCount === 0 ? 'insert' : 'update';
  }

  var body = JSON.stringify({
    table: current.getTableName(),
    sys_id: current.getUniqueValue(),
    sys_mod_count: modCount,
    sys_updated_on: current.getValue('sys_updated_on'),
    operation: operation
  });

  // getNumericValue is milliseconds since the epoch, in UTC.
  var timestamp = String(Math.floor(new GlideDateTime().getNumericValue() / 1000));

  // generateMac takes the key base64-encoded and returns the MAC base64-encoded.
  var key = GlideStringUtil.base64Encode(secret);
  var signature = new GlideCertificateEncryption().generateMac(key, 'HmacSHA256', timestamp + '.' + body);

  try {
    var request = new sn_ws.RESTMessageV2();
    request.setEndpoint(url);
    request.setHttpMethod('post');
    request.setRequestHeader('Content-Type', 'application/json');
    request.setRequestHeader('X-ItsmSync-Timestamp', timestamp);
    request.setRequestHeader('X-ItsmSync-Signature', signature);
    request.setRequestBody(body);
    request.setHttpTimeout(10000);

    var response = request.execute();
    var status = response.getStatusCode();
    if (status != 202) {
      // Never log the secret or the signature.
      gs.warn('itsm-sync webhook: ' + url + ' answered ' + status + ' for ' + current.getTableName() + ' ' +
        current.getUniqueValue() + ': ' + response.getBody());
    }
  } catch (error) {
    gs.error('itsm-sync webhook: could not notify ' + url + ' about ' + current.getTableName() + ' ' +
      current.getUniqueValue() + ': ' + error);
  }
})(current, previous);
