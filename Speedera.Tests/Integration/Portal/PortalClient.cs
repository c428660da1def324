using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Drives the portal like a browser without JavaScript: GET a page, fill its form, POST it.</summary>
public sealed partial class PortalClient(HttpClient http, PortalFactory factory)
{
    private static readonly HtmlParser Parser = new();

    public HttpClient Http => http;

    public async Task<(HttpResponseMessage Response, IHtmlDocument Document)> GetAsync(string path)
    {
        var response = await http.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        return (response, Parser.ParseDocument(html));
    }

    /// <summary>GETs <paramref name="path"/>, fills the form named <paramref name="formName"/> and submits it.</summary>
    public async Task<(HttpResponseMessage Response, IHtmlDocument Document)> SubmitFormAsync(
        string path, string formName, IReadOnlyDictionary<string, string> fields)
    {
        var (_, page) = await GetAsync(path);
        return await SubmitFormOnPageAsync(page, path, formName, fields);
    }

    /// <summary>Fills and submits the form named <paramref name="formName"/> on a page already fetched from <paramref name="path"/>.</summary>
    public async Task<(HttpResponseMessage Response, IHtmlDocument Document)> SubmitFormOnPageAsync(
        IHtmlDocument page, string path, string formName, IReadOnlyDictionary<string, string> fields)
    {
        var (action, values) = FillForm(page, path, formName, fields);
        var response = await http.PostAsync(action, new FormUrlEncodedContent(values));
        var html = await response.Content.ReadAsStringAsync();
        return (response, Parser.ParseDocument(html));
    }

    /// <summary>What a browser would post for the form named <paramref name="formName"/>: its action and fields.</summary>
    public static (string Action, Dictionary<string, string> Values) FillForm(
        IHtmlDocument page, string path, string formName, IReadOnlyDictionary<string, string> fields)
    {
        var form = page.Forms.FirstOrDefault(f => f.QuerySelector($"input[name=_handler][value='{formName}']") is not null)
            ?? throw new InvalidOperationException($"No form '{formName}' on {path}");
        var values = form.QuerySelectorAll<IHtmlInputElement>("input[type=hidden]")
            .Where(i => !string.IsNullOrEmpty(i.Name))
            .ToDictionary(i => i.Name!, i => i.Value);
        foreach (var (key, value) in fields)
        {
            values[key] = value;
        }

        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? path : form.GetAttribute("action")!;
        return (action, values);
    }

    public Task<HttpResponseMessage> PostRawAsync(string path, IReadOnlyDictionary<string, string> fields) =>
        http.PostAsync(path, new FormUrlEncodedContent(fields));

    public async Task<HttpResponseMessage> SignUpAsync(string organization, string email, string password) =>
        (await SubmitFormAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.OrganizationName"] = organization,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        })).Response;

    public async Task<HttpResponseMessage> LogInAsync(string email, string password) =>
        (await SubmitFormAsync("/Account/Login", "login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        })).Response;

    public async Task LogOutAsync()
    {
        var (_, page) = await GetAsync("/");
        var token = page.QuerySelector<IHtmlInputElement>("form[action='Account/Logout'] input[name=__RequestVerificationToken]")
            ?? throw new InvalidOperationException("No logout form: not signed in?");
        var response = await PostRawAsync("/Account/Logout", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token.Value,
            ["returnUrl"] = "/",
        });
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Logout answered {response.StatusCode}");
        }
    }

    /// <summary>Waits for the outbox to deliver a mail to <paramref name="to"/> and returns the first link in it.</summary>
    public async Task<string> WaitForMailLinkAsync(string to, string subjectContains, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(factory.MailDirectory))
            {
                foreach (var file in Directory.GetFiles(factory.MailDirectory, "*.eml").Order())
                {
                    var text = await File.ReadAllTextAsync(file);
                    if (text.Contains($"To: {to}\r\n", StringComparison.OrdinalIgnoreCase) && text.Contains(subjectContains, StringComparison.Ordinal))
                    {
                        return LinkPattern().Match(text).Value;
                    }
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No mail '{subjectContains}' to {to} in {factory.MailDirectory}");
    }

    /// <summary>Path and query of an absolute link, so it can be followed through the test server.</summary>
    public static string LocalPart(string link) => Uri.TryCreate(link, UriKind.Absolute, out var uri) ? uri.PathAndQuery : link;

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
