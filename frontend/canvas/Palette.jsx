// The palette: every node type from GET /api/v1/node-types/, grouped by category, searchable.
// Drag one onto the canvas, or click (or press Enter) to add it below the selected step.
import { useMemo, useState } from "react";
import { Icon } from "../icon.jsx";
import { gettext } from "../i18n.js";

export const DRAG_TYPE = "application/x-flowbuilder-step";

export function Palette({ types, onAdd, readOnly }) {
  const [query, setQuery] = useState("");
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const out = [];
    for (const type of types) {
      if (q && !`${type.label} ${type.description} ${type.type}`.toLowerCase().includes(q)) continue;
      let group = out.find((g) => g.key === type.category);
      if (!group) out.push((group = { key: type.category, label: type.category_label, items: [] }));
      group.items.push(type);
    }
    return out;
  }, [types, query]);

  return (
    <aside className="palette" aria-label={gettext("Steps you can add")}>
      <div className="palette-search">
        <Icon name="search" />
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={gettext("Search steps")} aria-label={gettext("Search steps")} />
      </div>
      {readOnly && <p className="muted palette-note">{gettext("You can look at this journey but not change it.")}</p>}
      {groups.map((group) => (
        <section key={group.key} className="palette-group">
          <h3>{group.label}</h3>
          <ul>
            {group.items.map((type) => (
              <li key={type.type}>
                <button
                  type="button"
                  className={`palette-item palette-${type.category}`}
                  draggable={!readOnly}
                  disabled={readOnly}
                  data-kind={type.type}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_TYPE, type.type);
                    e.dataTransfer.effectAllowed = "move";
                  }}
                  onClick={() => onAdd(type.type)}
                  title={type.description}
                >
                  <span className="palette-icon"><Icon name={type.icon} /></span>
                  <span className="palette-text">
                    <span className="palette-label">{type.label}</span>
                    <span className="palette-description">{type.description}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {!groups.length && <p className="muted palette-note">{gettext("No step matches your search.")}</p>}
    </aside>
  );
}
