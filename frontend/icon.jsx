// Icons from the sprite the build makes of frontend/icons.json (the same as {% icon %} in templates).
// The page passes the sprite's URL (hashed in production) once: setIconSprite(data.sprite).
let sprite = "/static/build/icons.svg";

export function setIconSprite(url) {
  if (url) sprite = url;
}

// Decorative unless a label is given.
export function Icon({ name, label }) {
  return (
    <svg className="icon" aria-hidden={label ? undefined : "true"} role={label ? "img" : undefined} aria-label={label} focusable="false">
      <use href={`${sprite}#i-${name}`} />
    </svg>
  );
}
