// Saving the draft and following live counts: the two conversations the canvas keeps with the server.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError } from "../api.js";
import { formatDate, gettext, interpolate } from "../i18n.js";
import { problemsFromRefusal } from "./graph.js";
import { useEditor } from "./store.js";

const AUTOSAVE_DELAY = 700;
const RETRY_DELAY = 5000;

// Autosave: every change is sent shortly after it is made. A refused save keeps the local
// state, says why and marks the steps; a network failure retries. Nothing is dropped silently:
// leaving the page with unsaved changes asks first. Each save names the draft revision it is
// based on: when another tab or person saved in between, the server refuses (409) and the
// marketer chooses — reload their version, or keep this one over it.
export function useAutosave({ url, enabled, revalidate, draftRevision }) {
  const [state, setState] = useState({ status: "saved", message: "", fields: {} });
  const timer = useRef();
  const savedRevision = useRef(useEditor.getState().revision);
  const statusRef = useRef("saved");
  const base = useRef(draftRevision);

  const chain = useRef(Promise.resolve());

  // One save at a time: a save asked for while one runs goes after it (and sees the latest graph).
  // Resolves to whether everything is saved.
  const saveOnce = useCallback(async ({ overwrite = false } = {}) => {
    const store = useEditor.getState();
    const revision = store.revision;
    if (revision === savedRevision.current && statusRef.current === "saved") return true;
    if (statusRef.current === "conflict" && !overwrite) return false; // the marketer decides first
    statusRef.current = "saving";
    setState((s) => ({ ...s, status: "saving" }));
    try {
      const body = { graph: store.document(), settings: store.settings, name: store.meta.name, description: store.meta.description };
      if (!overwrite && base.current != null) body.draft_revision = base.current;
      const saved = await api(url, { method: "PATCH", body });
      if (saved?.draft_revision != null) base.current = saved.draft_revision;
      savedRevision.current = revision;
      const dirty = useEditor.getState().revision !== revision;
      statusRef.current = dirty ? "unsaved" : "saved";
      setState({ status: statusRef.current, message: "", fields: {} });
      const { problems, setProblems } = useEditor.getState();
      if (problems.errors.some((p) => p.code === "refused")) setProblems([], []);
      if (revalidate) revalidate();
      if (dirty) timer.current = setTimeout(() => save(), AUTOSAVE_DELAY);
      return !dirty;
    } catch (error) {
      statusRef.current = "failed";
      if (error instanceof ApiError && error.status === 409 && error.code === "draft_changed") {
        statusRef.current = "conflict";
        const at = error.body?.error?.current?.draft_saved_at;
        const when = at ? formatDate(at, { hour: "2-digit", minute: "2-digit" }) : "";
        setState({
          status: "conflict",
          message: when
            ? interpolate(gettext("Someone saved this journey at %(time)s, in another tab or browser, after you opened it. Your changes here are not saved yet."), { time: when })
            : gettext("Someone saved this journey in another tab or browser after you opened it. Your changes here are not saved yet."),
          fields: {},
        });
      } else if (error instanceof ApiError && error.status === 400) {
        useEditor.getState().setProblems(problemsFromRefusal(error.fields), []);
        const marked = Object.keys(error.fields || {}).length > 0;
        setState({
          status: "failed",
          message: marked ? gettext("Some settings are not valid: fix the marked fields. Your changes are kept here.") : error.message || gettext("The server refused the change."),
          fields: error.fields,
        });
      } else if (error instanceof ApiError && error.status === 403) {
        setState({ status: "failed", message: gettext("You may not change this journey. Your changes are kept in this tab only."), fields: {} });
      } else {
        setState({ status: "failed", message: gettext("Could not reach the server. Your changes are kept here and saved when it answers."), fields: {} });
        timer.current = setTimeout(() => save(), RETRY_DELAY);
      }
      return false;
    }
  }, [url, revalidate]);

  const save = useCallback((options) => {
    clearTimeout(timer.current);
    if (!enabled) return Promise.resolve(true);
    const once = () => saveOnce(options);
    chain.current = chain.current.then(once, once);
    return chain.current;
  }, [enabled, saveOnce]);

  // The two ways out of a conflict.
  const keepMine = useCallback(() => save({ overwrite: true }), [save]);
  const reload = useCallback(() => {
    statusRef.current = "saved"; // leaving on purpose: no "unsaved changes" question
    window.location.reload();
  }, []);

  useEffect(() => {
    if (!enabled) return undefined;
    const unsubscribe = useEditor.subscribe((s, previous) => {
      if (s.revision === previous.revision) return;
      if (statusRef.current === "conflict") return; // kept here until the marketer chooses
      if (statusRef.current !== "saving") statusRef.current = "unsaved";
      setState((st) => (st.status === "saving" ? st : { ...st, status: "unsaved" }));
      clearTimeout(timer.current);
      timer.current = setTimeout(() => save(), AUTOSAVE_DELAY);
    });
    const warn = (event) => {
      if (statusRef.current !== "saved") {
        event.preventDefault();
        event.returnValue = "";
      }
    };
    window.addEventListener("beforeunload", warn);
    return () => {
      unsubscribe();
      window.removeEventListener("beforeunload", warn);
      clearTimeout(timer.current);
    };
  }, [enabled, save]);

  return { ...state, saveNow: save, keepMine, reload };
}

const POLL_EVERY = 5000;
const REFUSED = { 4401: "not_logged_in", 4403: "no_role", 4404: "gone" };

// Live counts: a WebSocket to ws/journeys/<id>/live/, reconnecting with back-off; while it is
// down, GET …/live/ every few seconds so the numbers keep moving.
export function useLiveCounts({ journeyId, pollUrl, enabled }) {
  useEffect(() => {
    if (!enabled) return undefined;
    const setLive = useEditor.getState().setLive;
    let socket = null;
    let closed = false;
    let attempt = 0;
    let reconnectTimer = null;
    let pollTimer = null;

    const apply = (message) => {
      if (message?.type === "counts") setLive({ nodes: message.nodes || {}, at: message.at });
    };
    const poll = async () => {
      clearTimeout(pollTimer);
      try {
        apply(await api(pollUrl));
        if (!closed && socket?.readyState !== WebSocket.OPEN) setLive({ status: "polling" });
      } catch {
        if (!closed && socket?.readyState !== WebSocket.OPEN) setLive({ status: "offline" });
      }
      if (!closed && socket?.readyState !== WebSocket.OPEN) pollTimer = setTimeout(poll, POLL_EVERY);
    };
    const connect = () => {
      if (closed) return;
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      try {
        socket = new WebSocket(`${scheme}://${window.location.host}/ws/journeys/${journeyId}/live/`);
      } catch {
        poll();
        return;
      }
      socket.addEventListener("open", () => {
        attempt = 0;
        clearTimeout(pollTimer);
        setLive({ status: "live" });
      });
      socket.addEventListener("message", (event) => {
        try {
          apply(JSON.parse(event.data));
        } catch {
          // a message we do not understand is ignored
        }
      });
      socket.addEventListener("close", (event) => {
        if (closed) return;
        if (REFUSED[event.code]) {
          setLive({ status: "offline", reason: REFUSED[event.code] });
          return;
        }
        poll();
        attempt += 1;
        reconnectTimer = setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(attempt, 5)));
      });
    };
    setLive({ status: "connecting" });
    connect();
    return () => {
      closed = true;
      clearTimeout(reconnectTimer);
      clearTimeout(pollTimer);
      if (socket) socket.close();
    };
  }, [journeyId, pollUrl, enabled]);
}
