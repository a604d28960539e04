/** anyflash library: transport-agnostic flashing, simulators, image formats and diagnosis. */
export { AnyflashError, ErrorCodes, isAnyflashError, type ErrorCode } from './core/errors.js';
export type { AnyflashEvent, EventSink, Operation } from './core/events.js';
export type { Transport, PortFacts, ModemSignals } from './transport/types.js';
export { SimTransport } from './sim/transport.js';
export type { Family, FlashDevice, DeviceInfo, ConnectOptions, ResetMode } from './families/types.js';
export { FAMILIES, connectDevice, familiesFor } from './families/index.js';
export { writeRegions, type WriteOptions, type WriteSummary, type RegionResult } from './engine/write.js';
export { verifyRegions, readRange, eraseRange } from './engine/ops.js';
export { validateRegions, type Region } from './engine/regions.js';
export { describeRecoveries, type RecoveryOptions, type RecoveryReport } from './engine/recovery.js';
export { openSimPort, type SimPort } from './sim/port.js';
export { SimClock } from './sim/clock.js';
export { SimLink } from './sim/link.js';
export { createSim, simChips } from './sim/registry.js';
export { FaultPlan, parseFault } from './sim/faults.js';
export { loadInput } from './formats/input.js';
export { explain } from './diagnose/explain.js';
export { adviceFor } from './diagnose/advice.js';
