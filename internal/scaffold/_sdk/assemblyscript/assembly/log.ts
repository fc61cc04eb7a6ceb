// Logging through the host (ABI.md `log`). When the pipeline does not grant
// logging to the module, these calls do nothing.
import { host_log } from "./host";
import { utf8Encode } from "./utf8";

/** Log levels of `sluice.log`. */
export enum LogLevel {
  Debug = 0,
  Info = 1,
  Warn = 2,
  Error = 3,
}

/** Writes `message` to the host's log at `level`. */
export function log(level: LogLevel, message: string): void {
  const b = utf8Encode(message);
  host_log(<i32>level, b.dataStart, <usize>b.length);
}

/** Writes `message` to the host's log at debug level. */
export function logDebug(message: string): void {
  log(LogLevel.Debug, message);
}

/** Writes `message` to the host's log at info level. */
export function logInfo(message: string): void {
  log(LogLevel.Info, message);
}

/** Writes `message` to the host's log at warn level. */
export function logWarn(message: string): void {
  log(LogLevel.Warn, message);
}

/** Writes `message` to the host's log at error level. */
export function logError(message: string): void {
  log(LogLevel.Error, message);
}
