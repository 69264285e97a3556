/**
 * Readings of the ServiceNow simulator's CMDB for the end-to-end tests: relationships in words,
 * and the requests that would delete a CI.
 */
import type { ServiceNowSimulator } from '../../src/simulators/servicenow/server.js';

/**
 * Returns the rows of `cmdb_rel_ci`, sorted, each as `<parent class> <parent name> > <parent
 * descriptor> > <child class> <child name>`, such as
 * `cmdb_ci_vm_instance web-01 > Hosted on > cmdb_ci_aws_datacenter us-east-1`.
 */
export function relationshipsOf(serviceNow: ServiceNowSimulator): string[] {
  const cis = new Map(serviceNow.records('cmdb_ci').map((ci) => [ci.sys_id, ci]));
  const types = new Map(serviceNow.records('cmdb_rel_type').map((type) => [type.sys_id, type]));
  const describe = (sysId: string | undefined): string => {
    const ci = sysId === undefined ? undefined : cis.get(sysId);
    return ci === undefined ? `missing CI ${sysId}` : `${ci.sys_class_name} ${ci.name}`;
  };

  return serviceNow
    .records('cmdb_rel_ci')
    .map((row) => `${describe(row.parent)} > ${types.get(row.type ?? '')?.parent_descriptor ?? row.type} > ${describe(row.child)}`)
    .sort();
}

/** Returns the DELETE requests on CI tables. CIs are retired, never deleted; relationships may be. */
export function ciDeletes(serviceNow: ServiceNowSimulator): Array<{ method: string; path: string }> {
  return serviceNow.requests.filter((request) => request.method === 'DELETE' && !request.path.startsWith('/api/now/table/cmdb_rel_ci/'));
}
