// Preloaded into the benchmark's daemon process with --import: fauxqs names its queues
// http://sqs.<region>.localhost:<port>/…, and this resolves names ending in .localhost to 127.0.0.1.
import { interceptLocalhostDns } from 'fauxqs';

interceptLocalhostDns();
