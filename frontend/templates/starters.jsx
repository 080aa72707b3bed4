// "Start from": the starters a new template can begin with (journeys.emails.starters, served in
// the page data), as cards; choosing one fills the unsaved editor and folds the cards away.
import { gettext, interpolate, ngettext } from "../i18n.js";
import { Icon } from "../icon.jsx";

export function StarterPicker({ starters, chosen, open, onOpen, onChoose }) {
  if (!open) {
    return (
      <section className="card te-starters te-starters-closed" aria-label={gettext("Start from")}>
        <span className="te-starter-icon">
          <Icon name={chosen.icon} />
        </span>
        <p>{interpolate(gettext("Started from “%(name)s”"), { name: chosen.label })}</p>
        <button type="button" className="button button-small" onClick={onOpen}>
          {gettext("Choose another starter")}
        </button>
      </section>
    );
  }
  return (
    <section className="card te-starters" aria-labelledby="te-starters-title">
      <header className="te-starters-head">
        <h2 id="te-starters-title">{gettext("Start from")}</h2>
        <p className="muted">{gettext("A ready-made email with its translations. You can change all of it.")}</p>
      </header>
      <div className="te-starter-list">
        {starters.map((starter) => {
          const count = Object.keys(starter.versions).length;
          return (
            <button
              key={starter.key}
              type="button"
              className={`te-starter${starter.key === chosen.key ? " is-chosen" : ""}`}
              aria-pressed={starter.key === chosen.key}
              onClick={() => onChoose(starter)}
            >
              <span className="te-starter-icon">
                <Icon name={starter.icon} />
              </span>
              <span className="te-starter-text">
                <strong>{starter.label}</strong>
                <span className="te-starter-description">{starter.description}</span>
                {count > 1 && <span className="te-starter-languages">{interpolate(ngettext("%(count)s language", "%(count)s languages", count), { count })}</span>}
              </span>
            </button>
          );
        })}
      </div>
    </section>
  );
}
