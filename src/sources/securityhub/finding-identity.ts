/**
 * Build the identity of a finding, the same for both formats. A CSPM finding that Security Hub also emits in
 * OCSF carries its ASFF `Id` as `finding_info.uid`, so the ASFF and OCSF events of one finding map
 * to one identity, and so to one ticket. The account keeps ids of different accounts apart.
 *
 * NOTE: this rests on published OCSF samples of CSPM control findings. A product that fills
 * `finding_info.uid` differently would get a second ticket for its OCSF events.
 */
export function findingIdentity(account: string, findingId: string): string {
  return `finding|${account}|${findingId}`;
}

/** Build a link that opens the finding in the Security Hub console of its region. */
export function findingConsoleUrl(region: string, findingId: string): string {
  const host = region ? `${region}.console.aws.amazon.com` : 'console.aws.amazon.com';
  const search = `Id=\\operator\\:EQUALS\\:${findingId}`;
  return `https://${host}/securityhub/home?region=${encodeURIComponent(region)}#/findings?search=${encodeURIComponent(search)}`;
}
