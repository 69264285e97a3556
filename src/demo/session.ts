/**
 * One demo run's moving parts: the local stack, the real connector built from the same settings an
 * operator sets, and the results it reports while the demo drives it.
 */
import os from 'node:os';

import { buildConnector, consumerOf, type Connector } from '../app/connector.js';
import { readSettings } from '../config/env.js';
import type { ChangedTicket, SourceRecord } from '../core/types.js';
import { createLogger } from '../ops/logger.js';
import { SyncMetrics } from '../ops/metrics.js';
import type { ReverseResult } from '../reverse/reverse-sync.js';
import { applyEnvironment, startLocalStack, type LocalStack, type LocalStackOptions } from '../simulators/local-stack.js';
import type { SyncResult } from '../sync/engine.js';
import type { DemoTarget } from './demo-target.js';
import { StackTraffic } from './traffic.js';

/** Signals that stop a demo run after it saved its state. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The state of one demo run that every part of the demo works with. */
export interface DemoSession {
  stack: LocalStack;
  connector: Connector;
  target: DemoTarget;
  traffic: StackTraffic;
  /** The STATE_STORE value of the connector, which the audit trail reads. */
  stateStore: string;
  /** Removes and returns the sync results collected since the last call. */
  takeSyncResults(): Array<{ record: SourceRecord; result: SyncResult }>;
  /** Removes and returns the way-back results collected since the last call. */
  takeReverseResults(): Array<{ ticket: ChangedTicket; result: ReverseResult }>;
}

/** Settings of one demo session. */
export interface DemoSessionOptions {
  /** The MAPPINGS_DIR of the connector. */
  mappingsDir: string;
  /** The STATE_STORE of the connector, such as `sqlite:data/demo/state.db`. */
  stateStore: string;
  /** Log level of the connector (pino level name). */
  logLevel: string;
  /** Start the Jira simulator of this deployment next to ServiceNow. */
  jira?: LocalStackOptions['jira'];
  /** Builds the demo's view of the ITSM system once the connector is built. */
  createTarget(stack: LocalStack, connector: Connector): DemoTarget;
}

/** Steps of a session, in the order they run. */
export interface DemoSessionSteps<T> {
  /** Runs after the stack started and before the connector is built, such as restoring saved records. */
  prepare?(stack: LocalStack): void;
  /** The demo itself, with the connector consuming the queue. */
  play(session: DemoSession): Promise<T>;
  /**
   * Runs after the connector stopped and before the stack stops, after a failure too. On Ctrl-C
   * (SIGINT), SIGTERM or SIGHUP it runs at once, with the connector still running, and the process exits.
   */
  finish?(stack: LocalStack): void;
}

/**
 * Starts the local stack with forwarding of AWS events on, builds the connector against it,
 * starts consuming, runs the steps, and stops everything again whatever happened. The change poll
 * never runs on a timer here, because the demo runs it when its story needs it.
 */
export async function runDemoSession<T>(options: DemoSessionOptions, steps: DemoSessionSteps<T>): Promise<T> {
  const stack = await startLocalStack({
    queueName: 'itsm-sync-demo',
    mappingsDir: options.mappingsDir,
    stateStore: options.stateStore,
    logLevel: options.logLevel,
    forwardAwsEvents: true,
    jira: options.jira,
  });
  const restoreEnvironment = applyEnvironment(stack.env);
  const syncResults: Array<{ record: SourceRecord; result: SyncResult }> = [];
  const reverseResults: Array<{ ticket: ChangedTicket; result: ReverseResult }> = [];
  let connector: Connector | undefined;

  // An interrupted demo (Ctrl-C, kill, a closed terminal) still runs its finish step, which saves
  // what the next run needs. The exit code is 128 plus the signal's number, as a shell reports it.
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nThe demo was stopped (${signal}); its state is saved, so the next run carries on from here.\n`);
    try {
      steps.finish?.(stack);
    } finally {
      process.exit(128 + os.constants.signals[signal]);
    }
  };
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);

  try {
    steps.prepare?.(stack);

    const settings = readSettings({ ...stack.env, SERVICENOW_POLL_INTERVAL_SECONDS: '0', JIRA_POLL_INTERVAL_SECONDS: '0' });
    connector = await buildConnector(settings, createLogger(settings.logLevel), new SyncMetrics(), {
      onResult: (record, result) => syncResults.push({ record, result }),
      onReverseResult: (ticket, result) => reverseResults.push({ ticket, result }),
    });
    const target = options.createTarget(stack, connector);
    const traffic = new StackTraffic(stack, target);
    consumerOf(connector).start();

    return await steps.play({
      stack,
      connector,
      target,
      traffic,
      stateStore: options.stateStore,
      takeSyncResults: () => syncResults.splice(0),
      takeReverseResults: () => reverseResults.splice(0),
    });
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    try {
      await connector?.stop();
      steps.finish?.(stack);
    } finally {
      await stack.stop();
      restoreEnvironment();
    }
  }
}
