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
            Secondary = "#00897b",
            AppbarBackground = "#0b2545",
            AppbarText = "#ffffff",
            Background = "#f5f7fa",
            DrawerBackground = "#ffffff",
            Success = "#2e7d32",
            Error = "#c62828",
            Warning = "#b26a00",
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
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px", DrawerWidthLeft = "232px" },
    };

    /// <summary>The mode a cookie value names; anything unknown is light.</summary>
    public static string Normalize(string? mode) => mode == Dark ? Dark : Light;

    public static bool IsDark(string? mode) => Normalize(mode) == Dark;
}
