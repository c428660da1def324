using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Web.Components.Layout;
using Speedera.Web.Components.Theme;

namespace Speedera.Tests.Unit.Web;

public sealed class ThemeToggleTests : ComponentTestContext
{
    private IRenderedComponent<CascadingValue<ThemeChoice>> RenderWith(string mode) =>
        Render<CascadingValue<ThemeChoice>>(p => p
            .Add(c => c.Value, new ThemeChoice(mode))
            .AddChildContent<ThemeToggle>());

    [Fact]
    public void Light_page_offers_dark_and_posts_the_choice_with_antiforgery_and_the_current_page()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/noc/probes?x=1");

        var toggle = RenderWith(PortalTheme.Light);

        var form = toggle.Find("form[data-testid=theme-toggle]");
        Assert.Equal(ThemePreferenceEndpoints.Path, form.GetAttribute("action"));
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("dark", form.QuerySelector("input[name=mode]")!.GetAttribute("value"));
        Assert.Equal("/noc/probes?x=1", form.QuerySelector("input[name=returnUrl]")!.GetAttribute("value"));
        Assert.NotNull(form.QuerySelector("input[name=__RequestVerificationToken]"));
        Assert.Equal("Switch to dark theme", toggle.Find("button").GetAttribute("aria-label"));
    }

    [Fact]
    public void Dark_page_offers_light()
    {
        var toggle = RenderWith(PortalTheme.Dark);

        Assert.Equal("light", toggle.Find("input[name=mode]").GetAttribute("value"));
        Assert.Equal("Switch to light theme", toggle.Find("button").GetAttribute("aria-label"));
    }

    [Theory]
    [InlineData(null, "light")]
    [InlineData("dark", "dark")]
    [InlineData("DARK<script>", "light")]
    public void Cookie_value_is_normalized_to_a_known_theme(string? cookie, string expected) =>
        Assert.Equal(expected, PortalTheme.Normalize(cookie));

    [Fact]
    public void Breadcrumbs_name_the_section_and_the_page()
    {
        var items = PageBreadcrumbs.For("noc/probes");

        Assert.Equal(["Home", "NOC", "Probes"], items.Select(i => i.Text));
        Assert.True(items[1].Disabled);
        Assert.Equal("/", items[0].Href);
    }
}
