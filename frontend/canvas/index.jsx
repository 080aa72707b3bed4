// The journey editor page: loads the palette and settings schema from the API, then mounts the
// editor with the journey the page carries (templates/journeys/journey_editor.html).
import "@xyflow/react/dist/style.css";
import { ReactFlowProvider } from "@xyflow/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { api } from "../api.js";
import { setIconSprite } from "../icon.jsx";
import { gettext } from "../i18n.js";
import { Editor } from "./Editor.jsx";
import { useEditor } from "./store.js";

async function start(root) {
  const data = JSON.parse(document.getElementById("journey-editor-data").textContent);
  setIconSprite(data.sprite);
  let typesList;
  let settingsSchema;
  try {
    [typesList, settingsSchema] = await Promise.all([api(data.urls.nodeTypes), api(data.urls.settingsSchema)]);
  } catch (error) {
    root.textContent = `${gettext("The editor could not load:")} ${error.message}`;
    root.classList.add("alert", "alert-error");
    return;
  }
  const types = Object.fromEntries(typesList.map((t) => [t.type, t]));
  useEditor.getState().init({
    types,
    lookups: data.lookups,
    graph: data.journey.graph,
    settings: data.journey.settings,
    meta: { name: data.journey.name, description: data.journey.description || "" },
    readOnly: !data.canEdit,
  });
  root.removeAttribute("aria-busy");
  root.textContent = "";
  createRoot(root).render(
    <StrictMode>
      <ReactFlowProvider>
        <Editor data={data} typesList={typesList} settingsSchema={settingsSchema} />
      </ReactFlowProvider>
    </StrictMode>,
  );
  window.__journeyEditorReady = performance.now();
}

const root = document.getElementById("journey-editor");
if (root) start(root);
