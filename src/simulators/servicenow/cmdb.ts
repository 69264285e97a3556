/**
 * The CMDB of the simulator: the `cmdb_ci` base table and the CI class tables that AWS resources
 * map to, the relationship tables `cmdb_rel_ci` and `cmdb_rel_type`, their choice lists, and the
 * CI values that the AWS Service Management Connector writes.
 *
 * Class names and class fields follow the ServiceNow "Cloud class" page of the CMDB schema model
 * and the AWS discovery pattern pages (Discovery and Service Mapping Patterns, Zurich to Brazil
 * releases). Each class that those pages do not name is marked where it is defined.
 *
 * A class table extends its parent: a record inserted in `cmdb_ci_vm_instance` is also a `cmdb_ci`
 * record, so queries on `cmdb_ci` return it with its `sys_class_name`, and only the base columns.
 */

import { createHash } from 'node:crypto';

import type { StoredRecord } from './record-store.js';
import type { TableDefinition } from './tables.js';

/** The CMDB base table, which every CI class table extends. */
export const CMDB_BASE_TABLE = 'cmdb_ci';

/** The relationship table: one row per (parent, child, type). */
export const RELATIONSHIP_TABLE = 'cmdb_rel_ci';

/** Values of `cmdb_ci.install_status`. */
export const INSTALL_STATUS = {
  installed: '1',
  retired: '7',
  absent: '100',
} as const;

/** Columns of `cmdb_ci`, which every class table has too. */
const CI_BASE_FIELDS: Record<string, string> = {
  sys_class_name: CMDB_BASE_TABLE,
  name: '',
  object_id: '',
  correlation_id: '',
  operational_status: '1',
  install_status: INSTALL_STATUS.installed,
  discovery_source: '',
  first_discovered: '',
  last_discovered: '',
  ip_address: '',
  mac_address: '',
  fqdn: '',
  dns_domain: '',
  serial_number: '',
  asset: '',
  asset_tag: '',
  company: '',
  department: '',
  location: '',
  managed_by: '',
  managed_by_group: '',
  owned_by: '',
  support_group: '',
  supported_by: '',
  assignment_group: '',
  assigned_to: '',
  category: '',
  subcategory: '',
  environment: '',
  used_for: '',
  vendor: '',
  manufacturer: '',
  model_id: '',
  model_number: '',
  install_date: '',
  short_description: '',
  comments: '',
  attributes: '',
  duplicate_of: '',
  unverified: 'false',
  sys_domain: 'global',
};

/** One CI class: its table, the table it extends, and the columns it adds. */
interface CiClass {
  name: string;
  extends: string;
  fields?: Record<string, string>;
}

/**
 * The CI classes of AWS resources.
 *
 * NOTE: every class here extends `cmdb_ci` directly, except the AWS datacenter. An instance has
 * intermediate classes (such as the one between `cmdb_ci` and `cmdb_ci_vm_instance`) that the
 * simulator leaves out, so a query on such an intermediate table gets 400 "Invalid table".
 */
const AWS_CI_CLASSES: readonly CiClass[] = [
  // EC2 instance ("Amazon AWS - Virtual Server" pattern). `state` is the power state, on or off.
  {
    name: 'cmdb_ci_vm_instance',
    extends: CMDB_BASE_TABLE,
    fields: { vm_inst_id: '', state: '', cpus: '', memory: '', disks: '', nics: '' },
  },
  // VPC, the "Cloud Network" class of the "Amazon AWS - Network" pattern. `state` is pending or available.
  { name: 'cmdb_ci_network', extends: CMDB_BASE_TABLE, fields: { state: '', cidr: '' } },
  // NOTE: the class name is documented (a Cloud Network contains Cloud Subnets), its columns are not.
  { name: 'cmdb_ci_cloud_subnet', extends: CMDB_BASE_TABLE, fields: { cidr: '', state: '' } },
  // NOTE: the security group class name is unverified: the pages read name its pattern but not its class.
  { name: 'cmdb_ci_compute_security_group', extends: CMDB_BASE_TABLE, fields: { state: '' } },
  // NOTE: the EBS volume class name is unverified against a pattern page, and so are its columns.
  { name: 'cmdb_ci_storage_volume', extends: CMDB_BASE_TABLE, fields: { size: '', size_bytes: '', state: '' } },
  // RDS ("Amazon AWS Relational Database Service") and DynamoDB tables. NOTE: the columns are unverified.
  { name: 'cmdb_ci_cloud_database', extends: CMDB_BASE_TABLE, fields: { vendor: '', version: '', state: '' } },
  // Application, network and classic load balancers.
  { name: 'cmdb_ci_cloud_load_balancer', extends: CMDB_BASE_TABLE, fields: { state: '' } },
  // S3 bucket ("Amazon AWS S3").
  { name: 'cmdb_ci_cloud_object_storage', extends: CMDB_BASE_TABLE, fields: { state: '' } },
  // Lambda function ("Amazon AWS Lambda"). NOTE: the columns are unverified.
  { name: 'cmdb_ci_cloud_function', extends: CMDB_BASE_TABLE, fields: { runtime: '', state: '' } },
  // NOTE: that EKS clusters land in this class is unverified; it is the CMDB's Kubernetes cluster class.
  { name: 'cmdb_ci_kubernetes_cluster', extends: CMDB_BASE_TABLE, fields: { version: '' } },
  // ECS clusters and services ("Amazon AWS - ECS" pattern). NOTE: the class names are unverified:
  // the parts of the pattern page read do not name its class tables.
  { name: 'cmdb_ci_cloud_ecs_cluster', extends: CMDB_BASE_TABLE },
  { name: 'cmdb_ci_cloud_ecs_service', extends: CMDB_BASE_TABLE },
  // The AWS account: the Cloud Service Account class replaced cmdb_ci_aws_account.
  { name: 'cmdb_ci_cloud_service_account', extends: CMDB_BASE_TABLE, fields: { account_id: '', datacenter_type: '' } },
  // A region is a logical datacenter; the AWS datacenter class extends it.
  { name: 'cmdb_ci_logical_datacenter', extends: CMDB_BASE_TABLE, fields: { region: '' } },
  { name: 'cmdb_ci_aws_datacenter', extends: 'cmdb_ci_logical_datacenter' },
  // Kept from earlier versions of the simulator. NOTE: no AWS pattern page read names this class.
  { name: 'cmdb_ci_cloud_storage_account', extends: CMDB_BASE_TABLE },
  // On-premises servers, which publications send to AWS Config. The Linux server class extends the
  // server class, as on an instance (the computer class between them is left out).
  { name: 'cmdb_ci_server', extends: CMDB_BASE_TABLE, fields: { host_name: '', os: '', os_version: '', cpu_count: '', ram: '' } },
  { name: 'cmdb_ci_linux_server', extends: 'cmdb_ci_server' },
  // Business applications (a CSDM class), another thing worth publishing.
  { name: 'cmdb_ci_business_app', extends: CMDB_BASE_TABLE, fields: { number: '', application_type: '', business_criticality: '' } },
];

/** Build the table definition of a class: the columns of its ancestors plus its own. */
function classDefinition(ciClass: CiClass, byName: ReadonlyMap<string, CiClass>): TableDefinition {
  const inherited: Record<string, string> = {};
  const chain: CiClass[] = [];

  for (let current: CiClass | undefined = ciClass; current !== undefined; current = byName.get(current.extends)) {
    chain.unshift(current);
  }
  for (const link of chain) {
    Object.assign(inherited, link.fields);
  }

  return {
    name: ciClass.name,
    extends: ciClass.extends,
    defaults: { ...CI_BASE_FIELDS, ...inherited, sys_class_name: ciClass.name },
    strictColumns: true,
  };
}

/** Build the CMDB tables: `cmdb_ci`, the CI class tables, `cmdb_rel_ci` and `cmdb_rel_type`. */
export function cmdbTables(): TableDefinition[] {
  const byName = new Map(AWS_CI_CLASSES.map((ciClass) => [ciClass.name, ciClass]));

  return [
    { name: CMDB_BASE_TABLE, defaults: CI_BASE_FIELDS, strictColumns: true },
    ...AWS_CI_CLASSES.map((ciClass) => classDefinition(ciClass, byName)),
    {
      name: RELATIONSHIP_TABLE,
      defaults: { parent: '', child: '', type: '', connection_strength: 'always', port: '', percent_outage: '' },
      strictColumns: true,
    },
    {
      name: 'cmdb_rel_type',
      defaults: { name: '', parent_descriptor: '', child_descriptor: '', sys_class_name: 'cmdb_rel_type' },
    },
  ];
}

/** Names of `cmdb_ci` and every CI class table, for references to a CI. */
export const CI_TABLE_NAMES: readonly string[] = [CMDB_BASE_TABLE, ...AWS_CI_CLASSES.map((ciClass) => ciClass.name)];

/**
 * The relationship types the simulator seeds, as `parent descriptor::child descriptor`. Each one
 * reads from the parent: "web-01 Runs on::Runs host-01" means web-01 runs on host-01.
 */
export const RELATIONSHIP_TYPE_NAMES = [
  'Contains::Contained by',
  'Hosted on::Hosts',
  'Uses::Used by',
  'Depends on::Used by',
  'Runs on::Runs',
  'Members::Member of',
  'Connects to::Connected by',
  'Provisioned From::Provisioned',
] as const;

/** The name of a seeded relationship type. */
export type RelationshipTypeName = (typeof RELATIONSHIP_TYPE_NAMES)[number];

/**
 * Return the sys_id of a relationship type, derived from its name so that it is the same in every
 * simulator and after reset. A real instance has its own sys_ids: clients must look types up by name.
 */
export function relationshipTypeSysId(name: string): string {
  return createHash('md5').update(`cmdb_rel_type:${name}`).digest('hex');
}

/** Build the `cmdb_rel_type` rows a new simulator starts with (without system fields). */
export function seedRelationshipTypeRows(): StoredRecord[] {
  return RELATIONSHIP_TYPE_NAMES.map((name) => {
    const [parentDescriptor = '', childDescriptor = ''] = name.split('::');
    return {
      sys_id: relationshipTypeSysId(name),
      name,
      parent_descriptor: parentDescriptor,
      child_descriptor: childDescriptor,
    };
  });
}

/**
 * Choice lists of the CMDB, per `table.element`: value and label, in display order.
 *
 * NOTE: the install and operational status lists are those of a base instance as remembered, not
 * read from a recorded response, and so is the `discovery_source` value `AWS`.
 */
export const CMDB_CHOICE_LISTS: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  'cmdb_ci.install_status': [
    ['1', 'Installed'],
    ['2', 'On Order'],
    ['3', 'In Maintenance'],
    ['4', 'Pending Install'],
    ['5', 'Pending Repair'],
    ['6', 'In Stock'],
    ['7', 'Retired'],
    ['8', 'Stolen'],
    ['100', 'Absent'],
  ],
  'cmdb_ci.operational_status': [
    ['1', 'Operational'],
    ['2', 'Non-Operational'],
    ['3', 'Repair in Progress'],
    ['4', 'DR Standby'],
    ['5', 'Ready'],
    ['6', 'Retired'],
  ],
  'cmdb_ci.discovery_source': [
    ['ServiceNow', 'ServiceNow'],
    ['Manual Entry', 'Manual Entry'],
    ['Other Automated', 'Other Automated'],
    ['ImportSet', 'ImportSet'],
    ['AWS', 'AWS'],
  ],
  'cmdb_ci_vm_instance.state': [
    ['on', 'On'],
    ['off', 'Off'],
  ],
};

/** The CI a test seeds as the AWS Service Management Connector would have created it. */
export interface AwsConnectorCi {
  /** The CI class table, such as `cmdb_ci_vm_instance`. */
  className: string;
  /** The AWS resource id, stored as `object_id`: `i-0a1b2c3d4e5f60718`, `vpc-…`, a bucket name. */
  resourceId: string;
  /** `name` of the CI. Default: the resource id, as the connector names an untagged resource. */
  name?: string;
  /** Further columns, applied last, so they may override the connector's values. */
  fields?: Record<string, unknown>;
}

/**
 * Build the values of a CI that the AWS Service Management Connector created: discovery_source
 * `AWS`, the resource id as object_id, installed, and no correlation_id, because the connector
 * does not set one.
 *
 * NOTE: which user the connector writes as is unverified; the simulator uses `system`.
 */
export function awsConnectorCiValues(ci: AwsConnectorCi): Record<string, unknown> {
  return {
    name: ci.name ?? ci.resourceId,
    object_id: ci.resourceId,
    discovery_source: 'AWS',
    correlation_id: '',
    install_status: INSTALL_STATUS.installed,
    operational_status: '1',
    ...ci.fields,
  };
}
