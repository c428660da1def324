namespace Speedera.Web.Components.Theme;

/// <summary>The theme the page was rendered with, cascaded from <c>Routes</c> to the layout's toggle.</summary>
public sealed record ThemeChoice(string Mode)
{
    public bool IsDark => PortalTheme.IsDark(Mode);

    public string Other => IsDark ? PortalTheme.Light : PortalTheme.Dark;
}
