/** Every step, in run order (the order of STEP_NAMES); the --account group follows them when asked for. */
import type { StepDef } from '../types.ts';
import { health, reachable } from './basics.ts';
export { ACCOUNT_STEPS } from './account.ts';
import { corsDisallowed, corsHealth, corsPreflight } from './cors.ts';
import { messagesHistory, timestamps } from './history.ts';
import { createRoom, createUser, joinRoom, listRooms } from './rest.ts';
import { wsBadOrigin, wsUnknownRoom } from './ws-admission.ts';
import { wsConnect, wsEcho, wsSecondClient, wsUserJoined } from './ws-chat.ts';

export const STEPS: readonly StepDef[] = [
  reachable,
  health,
  corsHealth,
  corsPreflight,
  corsDisallowed,
  createUser,
  createRoom,
  joinRoom,
  listRooms,
  wsConnect,
  wsUserJoined,
  wsEcho,
  wsSecondClient,
  messagesHistory,
  wsBadOrigin,
  wsUnknownRoom,
  timestamps,
];
