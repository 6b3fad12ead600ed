"""The baseline server: FastAPI on uvicorn doing nothing but answer."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.get("/readyz")
def ready() -> dict[str, str]:
    return {"status": "ok"}
