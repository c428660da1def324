using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Speedera.Web.Components.Shared;

namespace Speedera.Tests.Unit.Web;

public sealed class ConfirmDialogTests : ComponentTestContext
{
    [Fact]
    public async Task Confirming_answers_yes_and_shows_the_question_first()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        var answer = provider.InvokeAsync(() => ConfirmDialog.AskAsync(dialogs, "Delete shop.example.com?", "The hostname stops resolving.", "Delete", detail: "This cannot be undone."));

        provider.WaitForAssertion(() => Assert.Contains("The hostname stops resolving.", provider.Find("[data-testid=confirm-message]").TextContent));
        Assert.Contains("This cannot be undone.", provider.Markup);
        Assert.Equal("Delete", provider.Find("[data-testid=confirm-ok]").TextContent.Trim());
        Assert.False(answer.IsCompleted);

        await provider.Find("[data-testid=confirm-ok]").ClickAsync(new());

        Assert.True(await answer.WaitAsync(TimeSpan.FromSeconds(5)));
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll("[data-testid=confirm-message]")));
    }

    [Fact]
    public async Task Cancelling_answers_no()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        var answer = provider.InvokeAsync(() => ConfirmDialog.AskAsync(dialogs, "Roll back?", "Version 7 goes out again.", "Roll back"));
        provider.WaitForAssertion(() => provider.Find("[data-testid=confirm-cancel]"));

        await provider.Find("[data-testid=confirm-cancel]").ClickAsync(new());

        Assert.False(await answer.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
