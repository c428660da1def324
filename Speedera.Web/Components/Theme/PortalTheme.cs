using MudBlazor;

namespace Speedera.Web.Components.Theme;

/// <summary>The portal's one theme (light and dark palettes) and the cookie that remembers the user's choice.</summary>
public static class PortalTheme
{
    public const string CookieName = "speedera.theme";
    public const string Light = "light";
    public const string Dark = "dark";

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#0b5cad",
            Secondary = "#00695c",
            AppbarBackground = "#0b2545",
            AppbarText = "#ffffff",
            Background = "#f5f7fa",
            DrawerBackground = "#ffffff",
            Success = "#2e7d32",
            Error = "#c62828",
            Warning = "#8a5300",
            Info = "#0d5ea8",
            // MudBlazor's defaults (54 % and 38 % black) fall below WCAG AA contrast on our background (axe-core).
            TextSecondary = "rgba(0,0,0,0.68)",
            TextDisabled = "rgba(0,0,0,0.6)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#64a8f0",
            Secondary = "#4db6ac",
            AppbarBackground = "#101826",
            Background = "#0d1117",
            Surface = "#161b22",
            DrawerBackground = "#161b22",
            Success = "#66bb6a",
            Error = "#ef5350",
            Warning = "#ffb74d",
            TextSecondary = "rgba(255,255,255,0.72)",
            // Light colours on a dark page need dark text on their filled buttons and chips (WCAG AA, axe-core).
            PrimaryContrastText = "#0d1117",
            SecondaryContrastText = "#0d1117",
            SuccessContrastText = "#0d1117",
            ErrorContrastText = "#0d1117",
            WarningContrastText = "#0d1117",
            InfoContrastText = "#0d1117",
            TextDisabled = "rgba(255,255,255,0.6)",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px", DrawerWidthLeft = "232px" },
    };

    /// <summary>The mode a cookie value names; anything unknown is light.</summary>
    public static string Normalize(string? mode) => mode == Dark ? Dark : Light;

    public static bool IsDark(string? mode) => Normalize(mode) == Dark;
}
