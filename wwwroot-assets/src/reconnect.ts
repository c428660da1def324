// Drives Components/Layout/ReconnectModal.razor as the framework's template does: Blazor raises
// "components-reconnect-state-changed" on the dialog, we show it and offer retry/resume.
interface BlazorReconnect {
  reconnect(): Promise<boolean>;
  resumeCircuit(): Promise<boolean>;
}

declare const Blazor: BlazorReconnect | undefined;

export function wireReconnectModal(): void {
  const modal = document.getElementById("components-reconnect-modal") as HTMLDialogElement | null;
  if (!modal) {
    return;
  }

  const retryWhenVisible = async (): Promise<void> => {
    if (document.visibilityState === "visible") {
      await retry();
    }
  };

  async function retry(): Promise<void> {
    document.removeEventListener("visibilitychange", retryWhenVisible);
    try {
      if (!(await Blazor?.reconnect())) {
        if (await Blazor?.resumeCircuit()) {
          modal?.close();
        } else {
          location.reload();
        }
      }
    } catch {
      document.addEventListener("visibilitychange", retryWhenVisible);
    }
  }

  async function resume(): Promise<void> {
    try {
      if (!(await Blazor?.resumeCircuit())) {
        location.reload();
      }
    } catch {
      location.reload();
    }
  }

  modal.addEventListener("components-reconnect-state-changed", (event) => {
    const state = (event as CustomEvent<{ state: string }>).detail.state;
    if (state === "show" && !modal.open) {
      modal.showModal();
    } else if (state === "hide") {
      modal.close();
    } else if (state === "failed") {
      document.addEventListener("visibilitychange", retryWhenVisible);
    } else if (state === "rejected") {
      location.reload();
    }
  });
  document.getElementById("components-reconnect-button")?.addEventListener("click", () => void retry());
  document.getElementById("components-resume-button")?.addEventListener("click", () => void resume());
}
