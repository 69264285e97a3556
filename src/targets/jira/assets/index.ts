/** JSM Assets, the CMDB on Jira: AQL, the Assets REST client and the ItsmTarget for configuration items. */
import type { Logger } from 'pino';

import { AssetsClient } from './assets-client.js';
import type { AssetsHttp } from './assets-http.js';
import { AssetsTarget } from './assets-target.js';
import type { AssetsDeployment } from './assets-types.js';

export { Aql, quoteAql } from './aql.js';
export { AssetsClient, type AssetsClientOptions, type ObjectTypeRef, type ResolvedObjectType } from './assets-client.js';
export { isNotFoundError, type AssetsHttp, type AssetsRequest } from './assets-http.js';
export {
  AssetsTarget,
  DEFAULT_CORRELATION_ATTRIBUTE,
  MAX_CORRELATION_LENGTH,
  parseAssetsTable,
  type AssetsTargetOptions,
} from './assets-target.js';
export {
  ATTRIBUTE_TYPE,
  DEFAULT_TYPE,
  type AssetsAttribute,
  type AssetsAttributeInput,
  type AssetsAttributeValue,
  type AssetsDeployment,
  type AssetsObject,
  type AssetsObjectType,
  type AssetsSchema,
  type AssetsStatus,
} from './assets-types.js';
export { readAttributeValue, toAttributeValues, type PlainAttributeValue } from './assets-values.js';
export { AqlError, AssetsConfigurationError, AssetsError, AssetsInputError, AssetsResponseError } from './errors.js';

/** Settings of createAssetsTarget. */
export interface CreateAssetsTargetOptions {
  /** Sends the requests: the Jira client, whose auth and retries then apply to Assets too. */
  http: AssetsHttp;
  /** Base URL of the Assets REST API (JIRA_ASSETS_URL); see AssetsClientOptions.baseUrl. */
  assetsUrl: string;
  /** Base URL of the Jira site's web pages, for object links. */
  siteUrl: string;
  /**
   * `cloud` or `datacenter`. Default: the `deployment` of `http` when it has one (the Jira client
   * does), else `cloud` for an api.atlassian.com workspace URL and `datacenter` for any other.
   */
  deployment?: AssetsDeployment;
  /** Text attribute that carries the correlation value. Default `itsm-sync correlation`. */
  correlationAttribute?: string;
  /** Status attribute read to tell a retired object. Default `Status`. */
  statusAttribute?: string;
  /** Status that marks a retired object. Default `Retired`. */
  retiredStatus?: string;
  /** Objects per AQL page. Default 50. */
  pageSize?: number;
  logger?: Logger;
}

/**
 * Build the Assets target the Jira target hands `assets/...` tables to.
 *
 * @example
 * ```ts
 * const assets = createAssetsTarget({ http: jiraClient, assetsUrl: `https://api.atlassian.com/jsm/assets/workspace/${workspaceId}/v1`, siteUrl: 'https://acme.atlassian.net' });
 * ```
 */
export function createAssetsTarget(options: CreateAssetsTargetOptions): AssetsTarget {
  const client = new AssetsClient({
    http: options.http,
    deployment: options.deployment ?? deploymentOf(options.http, options.assetsUrl),
    baseUrl: options.assetsUrl,
    pageSize: options.pageSize,
    logger: options.logger,
  });
  return new AssetsTarget(client, {
    siteUrl: options.siteUrl,
    correlationAttribute: options.correlationAttribute,
    statusAttribute: options.statusAttribute,
    retiredStatus: options.retiredStatus,
    logger: options.logger,
  });
}

function deploymentOf(http: AssetsHttp, assetsUrl: string): AssetsDeployment {
  const declared = (http as { deployment?: unknown }).deployment;
  if (declared === 'cloud' || declared === 'datacenter') return declared;
  return /\/jsm\/assets\/workspace\/[^/]+\/v1\/?$/.test(assetsUrl) ? 'cloud' : 'datacenter';
}
