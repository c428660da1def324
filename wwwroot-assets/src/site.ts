// Account pages are server-rendered HTML with ordinary forms; application pages run as interactive
// Blazor Server circuits. Scripts here only enhance (islands are added per feature).
import "./site.css";
import "./traffic.css";
import { wireReconnectModal } from "./reconnect";

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
wireReconnectModal();
