"""The seed's FastAPI video-chat backend (shared/seed/backend-fix.md), written out as one file,
in-memory, for `npm run bench` (fastapi section) and the tests that drive `vchat load` against it.

Code as the seed gives it: DynamicCORSMiddleware (step 2, option A), the in-memory `rooms` and
`active_connections` (step 3), the WebSocket handler with its Origin check (step 4), join (5),
messages (6), users (7), rooms (8) and /health (10). Two changes, both needed to run at all:
`import json` at the top (the seed imports it only inside broadcast_to_room, so the handler's
json.loads raises NameError on the first message), and ALLOWED_ORIGINS extendable from the
environment (VCHAT_BENCH_ORIGINS, comma-separated), so a local run can name its own origin.

Run: python3 -m uvicorn fastapi_app:app --app-dir bench --host 127.0.0.1 --port 8000 --workers 1
(Debian: apt-get install python3-fastapi python3-uvicorn python3-websockets python3-uvloop python3-httptools).
"""
import json
import os
import uuid
from datetime import datetime
from typing import Dict, Optional, Set

from fastapi import FastAPI, HTTPException, Query, WebSocket, WebSocketDisconnect
from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send


class DynamicCORSMiddleware:
    """
    ASGI middleware that sets CORS headers dynamically by echoing the
    request Origin when it is on a whitelist. Also handles OPTIONS preflight.
    """

    def __init__(self, app: ASGIApp, whitelist: Set[str]):
        self.app = app
        self.whitelist = set(whitelist)

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin and origin in self.whitelist:
            if scope.get("method", "").upper() == "OPTIONS":
                response = Response(status_code=204)
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Allow-Credentials"] = "true"
                response.headers["Access-Control-Allow-Methods"] = "GET,POST,PUT,PATCH,DELETE,OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = "Authorization,Content-Type,Accept"
                await response(scope, receive, send)
                return

            async def send_with_cors(message):
                if message["type"] == "http.response.start":
                    headers_list = message.setdefault("headers", [])
                    headers_list.extend([
                        (b"access-control-allow-origin", origin.encode()),
                        (b"access-control-allow-credentials", b"true"),
                    ])
                await send(message)

            await self.app(scope, receive, send_with_cors)
            return
        await self.app(scope, receive, send)


ALLOWED_ORIGINS = {
    "https://video-chat-frontend-iio886s1j-dalkirks-projects.vercel.app",
    "https://video-chat-frontend-seven.vercel.app",
    "http://localhost:3000",
} | {o.strip() for o in os.environ.get("VCHAT_BENCH_ORIGINS", "").split(",") if o.strip()}

app = FastAPI(title="Video Chat API", version="1.0.1", docs_url="/docs", redoc_url="/redoc")
app.add_middleware(DynamicCORSMiddleware, whitelist=ALLOWED_ORIGINS)

rooms: Dict[str, Dict] = {}
active_connections: Dict[str, Set[WebSocket]] = {}


@app.websocket("/ws/{room_id}/{user_id}")
async def websocket_endpoint(websocket: WebSocket, room_id: str, user_id: str, username: str = Query(None), avatar_url: str = Query(None)):
    origin = websocket.headers.get("origin")
    if origin not in ALLOWED_ORIGINS:
        await websocket.close(code=4403, reason="Origin not allowed")
        return
    if room_id not in rooms:
        await websocket.close(code=4004, reason="Room not found")
        return
    if user_id not in rooms[room_id].get("users", {}):
        rooms[room_id].setdefault("users", {})[user_id] = {
            "username": username or "Anonymous",
            "avatar_url": avatar_url,
            "joined_at": datetime.utcnow().isoformat(),
        }
    await websocket.accept()
    if room_id not in active_connections:
        active_connections[room_id] = set()
    active_connections[room_id].add(websocket)
    user_data = rooms[room_id]["users"][user_id]
    join_message = {
        "type": "user_joined",
        "message": f"{user_data['username']} joined the chat",
        "username": user_data["username"],
        "user_id": user_id,
        "timestamp": datetime.utcnow().isoformat(),
        "avatar_url": user_data.get("avatar_url"),
    }
    await broadcast_to_room(room_id, join_message)
    try:
        while True:
            data = await websocket.receive_text()
            message_data = json.loads(data)
            if message_data.get("type") == "keep_alive":
                continue
            new_message = {
                "type": "message",
                "id": str(uuid.uuid4()),
                "user_id": user_id,
                "username": user_data["username"],
                "content": message_data.get("content", ""),
                "timestamp": datetime.utcnow().isoformat(),
                "avatar_url": user_data.get("avatar_url"),
            }
            rooms[room_id].setdefault("messages", []).append(new_message)
            await broadcast_to_room(room_id, new_message)
    except WebSocketDisconnect:
        pass
    except Exception as e:
        print(f"WebSocket error: {e}")
    finally:
        if room_id in active_connections:
            active_connections[room_id].discard(websocket)
            if not active_connections[room_id]:
                del active_connections[room_id]
        leave_message = {
            "type": "user_left",
            "message": f"{user_data['username']} left the chat",
            "username": user_data["username"],
            "user_id": user_id,
            "timestamp": datetime.utcnow().isoformat(),
        }
        await broadcast_to_room(room_id, leave_message)


async def broadcast_to_room(room_id: str, message: dict):
    if room_id not in active_connections:
        return
    message_str = json.dumps(message)
    dead_connections = set()
    for connection in active_connections[room_id]:
        try:
            await connection.send_text(message_str)
        except Exception:
            dead_connections.add(connection)
    for conn in dead_connections:
        active_connections[room_id].discard(conn)


class JoinRoomRequest(BaseModel):
    user_id: str
    username: str
    avatar_url: Optional[str] = None


@app.post("/rooms/{room_id}/join")
async def join_room(room_id: str, request: JoinRoomRequest):
    if room_id not in rooms:
        raise HTTPException(status_code=404, detail="Room not found")
    rooms[room_id].setdefault("users", {})[request.user_id] = {
        "username": request.username,
        "avatar_url": request.avatar_url,
        "joined_at": datetime.utcnow().isoformat(),
    }
    return {"message": f"User {request.username} joined room {rooms[room_id].get('name', room_id)}"}


class MessageCreate(BaseModel):
    user_id: str
    username: str
    content: str
    avatar_url: Optional[str] = None


@app.post("/rooms/{room_id}/messages")
async def create_message(room_id: str, message: MessageCreate):
    if room_id not in rooms:
        raise HTTPException(status_code=404, detail="Room not found")
    new_message = {
        "id": str(uuid.uuid4()),
        "room_id": room_id,
        "user_id": message.user_id,
        "username": message.username,
        "content": message.content,
        "avatar_url": message.avatar_url,
        "timestamp": datetime.utcnow().isoformat(),
    }
    rooms[room_id].setdefault("messages", []).append(new_message)
    return new_message


@app.get("/rooms/{room_id}/messages")
async def get_messages(room_id: str, limit: int = 100):
    if room_id not in rooms:
        return []
    messages = rooms[room_id].get("messages", [])
    for msg in messages:
        if "avatar_url" not in msg or not msg["avatar_url"]:
            user_id = msg.get("user_id")
            if user_id and user_id in rooms[room_id].get("users", {}):
                msg["avatar_url"] = rooms[room_id]["users"][user_id].get("avatar_url")
    return messages[-limit:] if len(messages) > limit else messages


class UserCreate(BaseModel):
    username: str


@app.post("/users")
async def create_user(user: UserCreate):
    user_id = str(uuid.uuid4())
    return {"id": user_id, "username": user.username, "joined_at": datetime.utcnow().isoformat()}


class RoomCreate(BaseModel):
    name: str
    thumbnail_url: Optional[str] = None


@app.post("/rooms")
async def create_room(room: RoomCreate):
    room_id = str(uuid.uuid4())
    new_room = {"id": room_id, "name": room.name, "created_at": datetime.utcnow().isoformat(), "users": {}, "messages": [], "thumbnail_url": room.thumbnail_url}
    rooms[room_id] = new_room
    return {"id": room_id, "name": room.name, "created_at": new_room["created_at"], "users": [], "thumbnail_url": room.thumbnail_url}


@app.get("/rooms")
async def get_rooms():
    return [
        {"id": room_id, "name": room_data.get("name", "Untitled Room"), "created_at": room_data.get("created_at"), "users": list(room_data.get("users", {}).keys()), "thumbnail_url": room_data.get("thumbnail_url")}
        for room_id, room_data in rooms.items()
    ]


@app.get("/health")
async def health_check():
    return {
        "status": "healthy",
        "timestamp": datetime.utcnow().isoformat(),
        "environment": "production",
        "active_rooms": len(rooms),
        "active_connections": sum(len(conns) for conns in active_connections.values()),
    }
