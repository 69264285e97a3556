/**
 * DescribeAutomationExecutions of the SSM simulator: the filters it supports, paging, and the
 * summary (AutomationExecutionMetadata) of each execution.
 */
import { pageOf, readPageOffset } from '../paging.js';
import { validationError } from './api-error.js';
import type { SimulatedAutomationExecution } from './automation-store.js';
import { AUTOMATION_EXECUTION_STATUSES, readMaxResults } from './automation-validation.js';
import { asObject } from './opsitem-validation.js';

/** DescribeAutomationExecutions output as sent on the wire. */
export interface DescribeAutomationExecutionsOutput {
  AutomationExecutionMetadataList: Array<Record<string, unknown>>;
  NextToken?: string;
}

// DescribeAutomationExecutions limits of the model: MaxResults 1 to 50, 1 to 10 values per filter.
const DESCRIBE_MAX_RESULTS = 50;
const FILTER_MAX_VALUES = 10;

/** Runs DescribeAutomationExecutions over `executions`: filters, then returns one page of summaries. */
export function describeExecutions(executions: SimulatedAutomationExecution[], body: unknown): DescribeAutomationExecutionsOutput {
  const request = asObject(body ?? {}, 'request body');
  const matches = compileExecutionFilters(request.Filters);
  const maxResults = readMaxResults(request.MaxResults, DESCRIBE_MAX_RESULTS);
  const offset = readPageOffset(request.NextToken);
  if (offset === undefined) {
    throw validationError('nextToken', String(request.NextToken), 'Member must be a token returned by a previous DescribeAutomationExecutions call');
  }

  // NOTE: the API reference does not define the order of the results. The simulator returns
  // executions in the order they were started.
  const page = pageOf(executions.filter(matches), offset, maxResults);
  const output: DescribeAutomationExecutionsOutput = { AutomationExecutionMetadataList: page.items.map(toMetadata) };
  if (page.nextToken !== undefined) {
    output.NextToken = page.nextToken;
  }
  return output;
}

function toMetadata(execution: SimulatedAutomationExecution): Record<string, unknown> {
  const { StepExecutions: _steps, StepExecutionsTruncated: _truncated, Parameters: _parameters, Targets: _targets, ...metadata } = execution;
  return structuredClone({ ...metadata, AutomationType: 'Local' });
}

/** The DescribeAutomationExecutions filter keys the simulator supports, each with the test it applies to an execution. */
const EXECUTION_FILTERS: Record<string, (execution: SimulatedAutomationExecution, values: string[]) => boolean> = {
  ExecutionId: (execution, values) => values.includes(execution.AutomationExecutionId),
  DocumentNamePrefix: (execution, values) => values.some((prefix) => execution.DocumentName.startsWith(prefix)),
  ExecutionStatus: (execution, values) => values.includes(execution.AutomationExecutionStatus),
  CurrentAction: (execution, values) => execution.CurrentAction !== undefined && values.includes(execution.CurrentAction),
  AutomationType: (_execution, values) => values.includes('Local'),
  AutomationSubtype: (execution, values) => execution.AutomationSubtype !== undefined && values.includes(execution.AutomationSubtype),
  OpsItemId: (execution, values) => execution.OpsItemId !== undefined && values.includes(execution.OpsItemId),
  StartTimeBefore: (execution, values) => values.every((value) => execution.ExecutionStartTime * 1000 < Date.parse(value)),
  StartTimeAfter: (execution, values) => values.every((value) => execution.ExecutionStartTime * 1000 > Date.parse(value)),
};

function compileExecutionFilters(value: unknown): (execution: SimulatedAutomationExecution) => boolean {
  if (value === undefined || value === null) {
    return () => true;
  }
  if (!Array.isArray(value)) {
    throw validationError('filters', value, 'Member must be a list of {Key, Values} filters');
  }

  const matchers = value.map((candidate, index) => {
    const filter = asObject(candidate, `Filters[${index}]`);
    const key = String(filter.Key);
    const matches = EXECUTION_FILTERS[key];
    if (matches === undefined) {
      throw validationError(`filters.${index + 1}.member.key`, filter.Key ?? null, `Member must be one of the keys this simulator supports: ${Object.keys(EXECUTION_FILTERS).join(', ')}`);
    }
    const values = filter.Values;
    if (!Array.isArray(values) || values.length === 0 || values.length > FILTER_MAX_VALUES || values.some((item) => typeof item !== 'string')) {
      throw validationError(`filters.${index + 1}.member.values`, values ?? null, `Member must be a list of 1 to ${FILTER_MAX_VALUES} strings`);
    }
    if (key === 'ExecutionStatus') {
      const unknown = (values as string[]).find((status) => !(AUTOMATION_EXECUTION_STATUSES as readonly string[]).includes(status));
      if (unknown !== undefined) {
        throw validationError(`filters.${index + 1}.member.values`, unknown, `Member must satisfy enum value set: [${AUTOMATION_EXECUTION_STATUSES.join(', ')}]`);
      }
    }
    if ((key === 'StartTimeBefore' || key === 'StartTimeAfter') && (values as string[]).some((time) => Number.isNaN(Date.parse(time)))) {
      throw validationError(`filters.${index + 1}.member.values`, values, 'Member must be ISO-8601 times such as 2025-03-10T15:00:00Z');
    }
    return (execution: SimulatedAutomationExecution) => matches(execution, values as string[]);
  });
  return (execution) => matchers.every((matches) => matches(execution));
}
