/**
 * The "AWS" object schema the Assets simulator starts with: one object type per AWS resource type
 * that the configuration item mappings cover, and one each for accounts and Regions, with the
 * attributes those mappings write.
 */

/** The definition of one attribute in this file. */
export interface AttributeDefinition {
  name: string;
  kind: 'text' | 'integer' | 'boolean' | 'datetime' | 'status' | 'reference';
  /** Values the attribute needs at least (1 = required). Default 0. */
  minimumCardinality?: number;
  /** Values it takes at most; -1 is unlimited. Default 1. */
  maximumCardinality?: number;
  /** For references: the name of the object type referred to. */
  references?: string;
  description?: string;
}

/** An object type and its own attributes (the common ones are added to every type). */
export interface ObjectTypeDefinition {
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

/** The schema's key, which prefixes every object key (`AWS-12`). */
export const AWS_SCHEMA_KEY = 'AWS';

/** The schema's name as Assets shows it. */
export const AWS_SCHEMA_NAME = 'AWS Resources';

/** Status types of the schema, with their category (1 active, 0 inactive). */
export const AWS_STATUSES = [
  { name: 'Active', category: 1, description: 'The resource exists in AWS.' },
  { name: 'Retired', category: 0, description: 'AWS Config reported the resource deleted; the object is kept for audits.' },
] as const;

/** Text attribute that carries itsm-sync's correlation value, by default. */
export const CORRELATION_ATTRIBUTE = 'itsm-sync correlation';

/** Attributes every object type of the schema has, after Key and Name. */
const COMMON_ATTRIBUTES: AttributeDefinition[] = [
  { name: 'Resource ID', kind: 'text', description: 'The AWS resource id, such as i-0a1b2c3d4e5f60718.' },
  { name: 'ARN', kind: 'text' },
  { name: 'Account', kind: 'text', description: 'The AWS account id.' },
  { name: 'Region', kind: 'text' },
  { name: 'Owner', kind: 'text', description: 'From the Owner tag.' },
  { name: 'Environment', kind: 'text', description: 'From the Environment tag.' },
  { name: 'Application', kind: 'text', description: 'From the Application tag.' },
  { name: 'Cost Center', kind: 'text', description: 'From the CostCenter tag.' },
  { name: 'Status', kind: 'status' },
  { name: CORRELATION_ATTRIBUTE, kind: 'text', description: 'Set by itsm-sync; links the object to its AWS resource.' },
];

const AVAILABILITY_ZONE: AttributeDefinition = { name: 'Availability Zone', kind: 'text' };
const CONTAINED_IN_VPC: AttributeDefinition = { name: 'Contained in VPC', kind: 'reference', references: 'VPC' };
const IN_SUBNET: AttributeDefinition = { name: 'In Subnet', kind: 'reference', references: 'Subnet' };
const IN_SUBNETS: AttributeDefinition = { name: 'In Subnets', kind: 'reference', references: 'Subnet', maximumCardinality: -1 };
const USES_SECURITY_GROUPS: AttributeDefinition = { name: 'Uses Security Groups', kind: 'reference', references: 'Security Group', maximumCardinality: -1 };

/** The object types of AWS resources, each of which also refers to its Region (see AWS_OBJECT_TYPES). */
const RESOURCE_OBJECT_TYPES: ObjectTypeDefinition[] = [
  { name: 'VPC', description: 'AWS::EC2::VPC', attributes: [{ name: 'CIDR Block', kind: 'text' }] },
  { name: 'Subnet', description: 'AWS::EC2::Subnet', attributes: [AVAILABILITY_ZONE, { name: 'CIDR Block', kind: 'text' }, CONTAINED_IN_VPC] },
  { name: 'Security Group', description: 'AWS::EC2::SecurityGroup', attributes: [CONTAINED_IN_VPC] },
  { name: 'EBS Volume', description: 'AWS::EC2::Volume', attributes: [AVAILABILITY_ZONE, { name: 'Size (GiB)', kind: 'integer' }, { name: 'Encrypted', kind: 'boolean' }] },
  {
    name: 'EC2 Instance',
    description: 'AWS::EC2::Instance',
    attributes: [
      AVAILABILITY_ZONE,
      { name: 'Instance Type', kind: 'text' },
      { name: 'Instance State', kind: 'text' },
      { name: 'Launch Time', kind: 'datetime' },
      CONTAINED_IN_VPC,
      IN_SUBNET,
      USES_SECURITY_GROUPS,
      { name: 'Attached Volumes', kind: 'reference', references: 'EBS Volume', maximumCardinality: -1 },
    ],
  },
  { name: 'S3 Bucket', description: 'AWS::S3::Bucket', attributes: [] },
  { name: 'RDS DB Cluster', description: 'AWS::RDS::DBCluster', attributes: [{ name: 'Engine', kind: 'text' }, CONTAINED_IN_VPC, USES_SECURITY_GROUPS] },
  {
    name: 'RDS DB Instance',
    description: 'AWS::RDS::DBInstance',
    attributes: [
      AVAILABILITY_ZONE,
      { name: 'Engine', kind: 'text' },
      { name: 'Instance Class', kind: 'text' },
      CONTAINED_IN_VPC,
      USES_SECURITY_GROUPS,
      { name: 'Member of Cluster', kind: 'reference', references: 'RDS DB Cluster' },
    ],
  },
  { name: 'Load Balancer', description: 'AWS::ElasticLoadBalancingV2::LoadBalancer', attributes: [{ name: 'Scheme', kind: 'text' }, CONTAINED_IN_VPC, IN_SUBNETS, USES_SECURITY_GROUPS] },
  { name: 'Lambda Function', description: 'AWS::Lambda::Function', attributes: [{ name: 'Runtime', kind: 'text' }, CONTAINED_IN_VPC, IN_SUBNETS, USES_SECURITY_GROUPS] },
  { name: 'EKS Cluster', description: 'AWS::EKS::Cluster', attributes: [{ name: 'Kubernetes Version', kind: 'text' }, CONTAINED_IN_VPC, IN_SUBNETS, USES_SECURITY_GROUPS] },
  { name: 'ECS Cluster', description: 'AWS::ECS::Cluster', attributes: [{ name: 'Capacity Providers', kind: 'text', description: 'Such as FARGATE, FARGATE_SPOT.' }] },
  {
    name: 'ECS Service',
    description: 'AWS::ECS::Service',
    attributes: [
      { name: 'Launch Type', kind: 'text', description: 'EC2, FARGATE or EXTERNAL; empty for services on a capacity provider strategy.' },
      { name: 'Desired Count', kind: 'integer', description: 'The number of tasks the service keeps running.' },
      { name: 'In ECS Cluster', kind: 'reference', references: 'ECS Cluster' },
    ],
  },
  {
    name: 'DynamoDB Table',
    description: 'AWS::DynamoDB::Table',
    attributes: [
      { name: 'Table Status', kind: 'text', description: 'Such as ACTIVE or UPDATING.' },
      { name: 'Billing Mode', kind: 'text', description: 'PROVISIONED or PAY_PER_REQUEST.' },
    ],
  },
];

/**
 * The accounts and Regions that itsm-sync derives from the resources' items (AWS Config records
 * neither). A Region object refers to its account, from the Region's relationship `Is contained
 * in Account`.
 */
const PLACEMENT_OBJECT_TYPES: ObjectTypeDefinition[] = [
  { name: 'AWS Account', description: 'AWS::::Account', attributes: [] },
  {
    name: 'AWS Region',
    description: 'AWS::::Region, one object per account and Region',
    attributes: [
      { name: 'Partition', kind: 'text', description: 'aws, aws-cn or aws-us-gov.' },
      { name: 'Owned by Account', kind: 'reference', references: 'AWS Account' },
    ],
  },
];

/** The reference from a resource to its Region, from the relationship `Is located in Region` that itsm-sync adds. */
const LOCATED_IN_REGION: AttributeDefinition = { name: 'Located in Region', kind: 'reference', references: 'AWS Region' };

/** The object types, in the order Assets lists them: the resources, then the accounts and Regions. */
export const AWS_OBJECT_TYPES: ObjectTypeDefinition[] = [
  ...RESOURCE_OBJECT_TYPES.map((type) => ({ ...type, attributes: [...type.attributes, LOCATED_IN_REGION] })),
  ...PLACEMENT_OBJECT_TYPES,
];

/** Return the attributes of one type in Assets order: the common ones, then the type's own. */
export function attributesOf(type: ObjectTypeDefinition): AttributeDefinition[] {
  return [...COMMON_ATTRIBUTES, ...type.attributes];
}
