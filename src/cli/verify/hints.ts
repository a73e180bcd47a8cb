/**
 * Fix hints, each tied to a row of the seed's "Common Issues" table (backend-fix.md) or to
 * the frontend behaviour in FRONTEND.md. Steps pick from here so the wording stays consistent.
 */
export const HINTS = {
  unreachable:
    'Check the --api URL (scheme, host, port) and that the service is deployed and listening; on Railway check the deploy logs and that the service has a public domain.',
  tls: 'The TLS certificate was rejected: use the https URL Railway gives you (…up.railway.app), or fix the custom domain certificate.',
  notApi:
    'The answer is not the API\'s JSON: is --api the backend URL (not the Vercel frontend)? An HTML 404/502 from the platform ("Application not found") means the app is not running or not bound to $PORT.',
  healthStatus:
    'GET /health must answer 200 with JSON {"status":"healthy",…} (seed Step 10); a 503 means the database is unreachable.',
  fanoutDown:
    'The server cannot reach Redis (REDIS_URL): each instance still serves its own sockets, but messages no longer cross instances and cross-instance presence is frozen. Check the Redis service; the server reconnects by itself (docs/scaling.md).',
  inMemory:
    'Common Issues "Data lost on restart": the server uses in-memory storage; set MONGO_URL / MONGODB_URI or DATABASE_URL so users, rooms and messages survive restarts.',
  corsMissing:
    'Common Issues "CORS error in browser": no Access-Control-Allow-Origin for this origin: the origin is not in ALLOWED_ORIGINS (check http vs https, a new Vercel preview URL, a trailing slash) or the CORS middleware is missing.',
  corsStar:
    'Access-Control-Allow-Origin "*" is refused by browsers when credentials are sent (the frontend uses withCredentials): echo the exact origin instead.',
  corsCredentials:
    'Access-Control-Allow-Credentials must be "true": the frontend sends withCredentials requests, which browsers block without it.',
  corsVary: 'Add "Vary: Origin": without it a CDN or browser cache can serve one origin\'s CORS headers to another.',
  preflight:
    'Common Issues "CORS error in browser": JSON POSTs are preflighted; OPTIONS must answer 2xx with the exact origin, credentials true, POST in Allow-Methods and Content-Type in Allow-Headers. Add the CORS middleware before the routes (no catch-all OPTIONS route that answers 405).',
  allowsAnyOrigin:
    'The server allows any origin (it reflects Origin, or ALLOWED_ORIGINS="*"): with credentials every website can act as your users. List your frontend origins explicitly.',
  createUser:
    'POST /users {"username"} must answer 2xx with JSON {id, username, created_at}; when it fails the frontend silently uses mock users (ids "mock-…").',
  createRoom:
    'POST /rooms {"name"} must answer 2xx with JSON {id, name, …}; Common Issues "Room page shows mock rooms" when it fails.',
  join: 'POST /rooms/{room_id}/join (seed Step 5) must answer 2xx; otherwise the frontend never opens the socket. A stale user must get 400/422 with "User not found" so the page recreates it.',
  listRooms:
    'GET /rooms must be a JSON array that includes rooms just created; if the new room is missing, several workers or instances are each keeping their own in-memory rooms (run one worker, or use a database).',
  wsRefused403:
    'Common Issues "WebSocket 403": the Origin is not accepted by the WebSocket handler. Use the same allowlist for the upgrade as for CORS, and check the Origin before accepting.',
  wsRefused404:
    'No WebSocket route here: the path is /ws/{room_id}/{user_id}; check --ws (derived from --api: http->ws, https->wss) and any path prefix.',
  wsNetwork:
    'The WebSocket connection failed below HTTP: check --ws, and that the proxy in front of the server forwards Upgrade requests.',
  wsClosedEarly:
    'Common Issues "WebSocket closes immediately": the room or user was not found by the socket handler. Make sure /join and the socket share state (one worker, or a database), and that the join happened first.',
  userJoined:
    'The server should broadcast {"type":"user_joined", user_id, username, avatar_url, timestamp} to everyone in the room, the joiner too: the frontend uses it for presence and avatars.',
  echoMissing:
    'The server must broadcast each chat frame to everyone in the room including the sender: the frontend keeps its optimistic copy until the echo arrives (otherwise the sender never sees it confirmed, and reloads show it twice).',
  echoType:
    'The echo must be {"type":"message", …}: the frontend draws any other type as a bubble and does not replace its optimistic copy.',
  echoIdentity:
    'Common Issues "own message shows twice": the echo must carry the same username and content the client sent, or the frontend shows the message twice.',
  echoId:
    'Every stored message needs a stable string "id": the frontend merges history by id, and a message without one is duplicated on every poll.',
  avatars:
    'Common Issues "Messages missing avatars": store avatar_url with the room member on join and copy it into every message (WebSocket and REST).',
  secondClient:
    'Broadcast to every socket in the room (Common Issues "WebSocket closes immediately" if the second socket was dropped); with several instances, fan-out between them needs Redis or a single instance.',
  history:
    'GET /rooms/{room_id}/messages must return the stored messages (oldest first) with id, username, content, avatar_url and timestamp: the frontend polls it whenever the socket is down.',
  badOriginAccepted:
    'Common Issues "WebSocket 403" (the other way round): the WebSocket accepts any Origin, so any website can open a socket as your users (cross-site WebSocket hijacking). Check Origin against the allowlist before websocket.accept().',
  badOriginLate:
    'The Origin is checked only after the handshake: refuse it before accepting (HTTP 403), so the socket never opens.',
  unknownRoomNot4004:
    'Clients will retry forever: the frontend stops reconnecting only on close code 4004. Accept the upgrade, then close with 4004 "Room not found" (a 403 or plain close looks like a network error to it).',
  unknownRoomOpen: 'The server kept a socket open for a room that does not exist; close it with 4004 "Room not found".',
  timestamps:
    'Emit RFC 3339 UTC with a Z, e.g. 2026-11-25T10:00:00.123Z (JavaScript toISOString(); Python datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")). The frontend appends a Z to anything not ending in Z: "+00:00" becomes "+00:00Z" = Invalid Date.',
  naiveTimestamps:
    'Timestamps without a zone (Python datetime.utcnow().isoformat()) only work because the frontend appends a Z; other clients read them as local time. Emit a trailing Z.',
  // --account (docs/accounts.md)
  accountsMissing:
    'accounts are not deployed on this server (no /auth routes): deploy a version with the accounts feature (docs/accounts.md), or run verify without --account.',
  accountSignup:
    'POST /auth/signup {username, email, password} must answer 201 {user, token, expires_at} (docs/accounts.md); the frontend stores user and token from this body. Check the server log for the error.',
  accountSignupRejected:
    'The server refused a sign-up that meets the frontend\'s rules (username 3-20 of [A-Za-z0-9_], a valid email, password of 8+ characters with an uppercase letter, a lowercase letter and a digit): its rules must match the frontend\'s (docs/accounts.md "Rules").',
  accountTaken:
    'The random throwaway name or email is already taken: run verify again (it picks a new vchat_<6 random> name each run).',
  accountRateLimited:
    'Too many sign-up/login attempts from this address (429 rate_limited): wait for Retry-After and run again, or raise LOGIN_RATE_IP_PER_MIN / LOGIN_RATE_IP_BURST (and LOGIN_RATE_USER_* for logins).',
  accountStorage:
    'The account store is unavailable (503 storage_unavailable): check DATABASE_URL / MONGODB_URI and the database; the auth routes recover by themselves once it answers.',
  accountSecrets:
    'Never send the password, its hash or salt back: answer only {id, username, avatar_url, created_at, joined_at, email} for the user, plus token and expires_at.',
  accountCors:
    'The /auth routes (their errors too) need the same CORS headers as the others, the exact origin with credentials true: otherwise the browser hides the answer and the frontend cannot sign in or show why not. Put the CORS middleware in front of the auth routes.',
  accountDuplicate:
    'Usernames must be unique among accounts, case-insensitively (Alice = alice): answer 409 {"code":"username_taken"} so the frontend can say the name is taken. Compare a lower-cased copy (unique index on username_lower).',
  accountBadLogin:
    'A wrong password must be refused with 401 {"code":"invalid_credentials"} (docs/accounts.md "Routes"); the frontend shows "wrong username or password" on that code.',
  accountEnumeration:
    'An unknown username must get exactly the same 401 body as a wrong password (and take about as long: hash against a dummy), or anyone can find out which usernames exist.',
  accountLogin:
    'POST /auth/login {username, password} must answer 200 {user, token, expires_at} for the account just created, with the username and with the email (case-insensitive). A 401 means signup and login hash differently, or the lookup by email is missing.',
  accountMe:
    "GET /auth/me with Authorization: Bearer <token> must answer 200 with the token's user: a 401 means the sign-up token is not stored, or not looked up the way it is stored (sha256 of the token).",
  accountPreflight:
    'Browsers preflight requests that carry an Authorization header: OPTIONS must answer 2xx with the exact origin, credentials true and Authorization named in Access-Control-Allow-Headers (a "*" is literal when credentials are sent).',
  accountJoin:
    'POST /rooms/{id}/join with the account\'s token and its own user_id must answer 2xx: an account\'s user id is a normal user id (docs/accounts.md "Identity rules").',
  accountSocketToken:
    'The socket with ?token=<token> was closed 4401: the WebSocket must accept the token from the query string (browsers cannot set headers on a WebSocket) and check it like the REST Bearer token.',
  accountSocketOther:
    "The socket was closed 4403 although the token belongs to the user in the path: compare the token's user id with /ws/{room_id}/{user_id}.",
  accountSocketIdentity:
    "Messages on an account's socket must carry that account's user_id and username: stamp them from the member record of the token's user, never from the frame.",
  accountLogout:
    'POST /auth/logout with Authorization: Bearer <token> must answer 204 and revoke that token (docs/accounts.md "Routes").',
  accountLogoutIneffective:
    'After logout the token must stop working (401 invalid_token): delete or revoke it in the token store, not just in the client, or a stolen token stays valid for its whole lifetime.',
} as const;
