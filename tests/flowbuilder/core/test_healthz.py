from __future__ import annotations


def test_it_reports_the_database_and_the_broker_healthy(client, db, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {
        "ok": True,
        "ms": body["checks"]["broker"]["ms"],
        "detail": "redis" if settings.REDIS_URL else "orm",
    }


def test_an_unreachable_redis_broker_makes_it_unavailable_and_says_why(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    assert "ConnectionError" in body["checks"]["broker"]["detail"]


def test_it_is_never_cached(client, db):
    assert "no-cache" in client.get("/healthz").headers["Cache-Control"]
