// The portal works without JavaScript: pages are server-rendered HTML with ordinary forms.
// Scripts here only enhance (islands are added per feature).
import "./site.css";

function enhanceConfirmButtons(root: ParentNode): void {
  root.querySelectorAll<HTMLButtonElement>("button[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm ?? "Are you sure?")) {
        event.preventDefault();
      }
    });
  });
}

enhanceConfirmButtons(document);
