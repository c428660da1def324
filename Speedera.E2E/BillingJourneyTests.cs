using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>
/// Billing in the browser against a real portal process: usage rollups of last month (written into its
/// database as the edge's uploads would be), Finance fills the billing profile, rates the month, reviews
/// and issues the draft; the customer sees the invoice, downloads its PDF, sees this month's usage and pays by
/// card through Stripe Checkout (a loopback stand-in for Stripe's API and hosted page), and the signed webhook
/// turns the invoice "paid" on the open page. Screenshots (light and dark) and the PDF as an image land in
/// test-output/screenshots/billing/.
/// </summary>
public sealed class BillingJourneyTests(StripeBrowserFixture fixture) : IClassFixture<StripeBrowserFixture>
{
    private const string Password = "Bill-Passw0rd!23";

    [Fact]
    public async Task Finance_rates_and_issues_a_month_and_the_customer_downloads_the_invoice()
    {
        var organization = "Bäckerei Billing " + Guid.NewGuid().ToString("N")[..6];
        var customer = await fixture.NewPageAsync();
        await SignUpAndLogInAsync(customer, organization);
        var orgId = await SeedUsageAsync(organization);

        var finance = await fixture.NewPageAsync();
        await LogInAsync(finance, PortalProcess.AdminEmail, PortalProcess.AdminPassword);

        // Billing profile: the customer fields of the invoice.
        await finance.GotoAsync($"/finance/customers/{orgId}");
        await Expect(finance.Locator("input[data-testid=legal-name], [data-testid=legal-name] input")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await finance.FillAsync("input[data-testid=legal-name], [data-testid=legal-name] input", organization + " GmbH");
        await finance.GetByLabel("Address", new() { Exact = true }).FillAsync("Unter den Linden 5");
        await finance.GetByLabel("Postal code").FillAsync("10117");
        await finance.GetByLabel("City").FillAsync("Berlin");
        await finance.FillAsync("input[data-testid=country], [data-testid=country] input", "DE");
        await finance.FillAsync("input[data-testid=vat-id], [data-testid=vat-id] input", "DE 811 907 980");
        await finance.ClickAsync("[data-testid=save-profile]");
        await Expect(finance.Locator(".mud-snackbar")).ToContainTextAsync("Billing profile saved", new() { Timeout = 30_000 });

        // Rate last month for everyone; the run is idempotent.
        await finance.GotoAsync("/finance/invoices");
        await Expect(finance.Locator("[data-testid=run-rating]")).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await finance.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await finance.ClickAsync("[data-testid=run-rating]");
        await Expect(finance.Locator("[data-testid=rating-result]")).ToContainTextAsync("draft(s) created", new() { Timeout = 60_000 });
        await finance.Locator("[data-testid=finance-invoice-table] input").First.FillAsync(organization);
        var link = finance.Locator("[data-testid=invoice-link]").First;
        await Expect(link).ToHaveTextAsync("draft", new() { Timeout = 30_000 });
        await link.ClickAsync();
        await Expect(finance.Locator("[data-testid=invoice-lines]")).ToContainTextAsync("Data delivered", new() { Timeout = 30_000 });
        await ScreenshotsAsync(finance, "finance-draft");
        await finance.ClickAsync("[data-testid=issue]");
        await Expect(finance.Locator("[data-testid=invoice-title]")).ToContainTextAsync("INV-", new() { Timeout = 60_000 });
        await Expect(finance.Locator("[data-testid=invoice-status]").First).ToHaveTextAsync("issued");
        var number = (await finance.Locator("[data-testid=invoice-title]").TextContentAsync())!.Replace("Invoice ", "", StringComparison.Ordinal).Trim();
        await ScreenshotsAsync(finance, "finance-invoice");

        await finance.GotoAsync("/finance/invoices");
        await Expect(finance.Locator("[data-testid=finance-invoice-table]")).ToContainTextAsync(number, new() { Timeout = 30_000 });
        await ScreenshotsAsync(finance, "finance-invoices");
        await finance.GotoAsync("/finance/plans");
        await Expect(finance.Locator("[data-testid=plan-card]").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await ScreenshotsAsync(finance, "finance-plans");
        await finance.GotoAsync("/finance/customers");
        await Expect(finance.Locator("[data-testid=customer-table]")).ToContainTextAsync("Standard", new() { Timeout = 30_000 });
        await ScreenshotsAsync(finance, "finance-customers");
        await finance.GotoAsync($"/finance/customers/{orgId}");
        await Expect(finance.Locator("[data-testid=plan-assignment]")).ToContainTextAsync("Standard", new() { Timeout = 30_000 });
        await ScreenshotsAsync(finance, "finance-customer");

        // The customer: the issued invoice, its PDF, and this month so far.
        await customer.GotoAsync("/invoices");
        await Expect(customer.Locator("[data-testid=invoice-table]")).ToContainTextAsync(number, new() { Timeout = 30_000 });
        await Expect(customer.Locator("[data-testid=amount-projected]")).ToContainTextAsync("EUR", new() { Timeout = 30_000 });
        var href = await customer.Locator("[data-testid=download-pdf]").First.GetAttributeAsync("href");
        var pdf = await customer.Context.APIRequest.GetAsync(href!);
        Assert.Equal(200, pdf.Status);
        var pdfBytes = await pdf.BodyAsync();
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(pdfBytes[..5]));
        await SavePdfAsImageAsync(pdfBytes);
        await ScreenshotsAsync(customer, "customer-invoices");

        // Pay by card: Stripe's hosted page (the stand-in) takes the card and sends the customer back.
        await customer.GotoAsync("/invoices");
        var row = customer.Locator("[data-testid=invoice-table] tbody tr", new() { HasText = number });
        await Expect(row.Locator("[data-testid=invoice-status]")).ToHaveTextAsync("issued", new() { Timeout = 30_000 });
        var amount = (await row.Locator("td.numeric").TextContentAsync())!.Trim();
        await row.Locator("[data-testid=pay-by-card]").ClickAsync();
        await customer.WaitForURLAsync($"{fixture.Stripe.BaseUrl}/c/pay/**", new() { Timeout = 30_000 });
        await Expect(customer.Locator("[data-testid=checkout-product]")).ToHaveTextAsync($"Invoice {number}");
        await Expect(customer.Locator("[data-testid=checkout-amount]")).ToHaveTextAsync(amount);
        await BrowserFixture.ScreenshotAsync(customer, "billing/stripe-checkout-standin");
        await customer.ClickAsync("[data-testid=checkout-pay]");
        await customer.WaitForURLAsync("**/invoices?paid=*", new() { Timeout = 30_000 });
        await Expect(customer.Locator("[data-testid=payment-returned]")).ToContainTextAsync(number, new() { Timeout = 30_000 });
        row = customer.Locator("[data-testid=invoice-table] tbody tr", new() { HasText = number });
        await Expect(row.Locator("[data-testid=invoice-status]")).ToHaveTextAsync("issued", new() { Timeout = 30_000 });

        // Stripe confirms by webhook, later: the open page turns the invoice "paid" without a reload.
        var session = Assert.Single(fixture.Stripe.Sessions);
        Assert.True(session.Paid);
        Assert.Equal(amount, session.Amount);
        Assert.Contains(fixture.Stripe.Calls, c => c.StartsWith("POST /v1/checkout/sessions speedera-checkout-", StringComparison.Ordinal) && c.EndsWith("Bearer " + StripeStandIn.SecretKey, StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.OK, await fixture.Stripe.DeliverCompletedAsync(session));
        await Expect(row.Locator("[data-testid=invoice-status]")).ToHaveTextAsync("paid", new() { Timeout = 30_000 });
        await Expect(row.Locator("[data-testid=pay-by-card]")).ToHaveCountAsync(0);
        await ScreenshotsAsync(customer, "customer-invoices-paid");

        // Issuing mailed the PDF to the customer's signed-up address.
        var mail = Path.Combine(fixture.Portal.DataDirectory, "mail");
        Assert.Contains(Directory.GetFiles(mail, "*.eml").Select(File.ReadAllText), t => t.Contains($"{number}.pdf", StringComparison.Ordinal));
    }

    /// <summary>A hostname for the organization and minute rollups of last month and of this month, in four regions.</summary>
    private async Task<string> SeedUsageAsync(string organization)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(fixture.Portal.DataDirectory, "speedera.db")};Default Timeout=30");
        await db.OpenAsync();
        var orgId = (string)(await Scalar(db, "SELECT Id FROM Organizations WHERE Name = $p0", organization))!;
        var columns = new List<string>();
        await using (var info = db.CreateCommand())
        {
            info.CommandText = "PRAGMA table_info(Hostnames)";
            await using var reader = await info.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(1));
            }
        }

        // A copy of the seeded demo hostname, owned by the organization.
        var name = $"bill{Guid.NewGuid():N}"[..14] + ".speedera.net";
        var select = columns.Select(c => c switch { "Id" => "$p1", "OrganizationId" => "$p0", "Name" => "$p2", _ => $"\"{c}\"" });
        await Exec(db, $"INSERT INTO Hostnames ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) SELECT {string.Join(", ", select)} FROM Hostnames WHERE Name LIKE 'demo.%' LIMIT 1",
            orgId, Guid.NewGuid().ToString().ToUpperInvariant(), name);
        var lastMonth = new DateTime(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1);
        await Exec(db, "UPDATE Organizations SET CreatedAt = $p0 WHERE Id = $p1", Stamp(lastMonth.AddDays(-20)), orgId);
        string[] pops = ["sjc", "fra", "nrt", "gru"];
        var random = new Random(7);
        await using var transaction = (SqliteTransaction)await db.BeginTransactionAsync();
        foreach (var start in new[] { lastMonth, lastMonth.AddMonths(1) })
        {
            for (var m = 0; m < 400; m++)
            {
                var minute = start.AddMinutes(m * 3);
                if (minute > DateTime.UtcNow)
                {
                    break;
                }

                var bytes = random.NextInt64(10_000_000, 4_000_000_000);
                await Exec(db, "INSERT INTO UsageRollups (Minute, Hostname, PopId, NodeId, Requests, BytesToClients, BytesFromOrigin, Status2xx, Status3xx, Status4xx, Status5xx, Hits, Misses) VALUES ($p0, $p1, $p2, 'e2e-edge', $p3, $p4, 0, $p3, 0, 0, 0, $p3, 0)",
                    Stamp(minute), name, pops[m % 4], random.NextInt64(100, 90_000), bytes);
            }
        }

        await transaction.CommitAsync();
        return orgId;
    }

    private static string Stamp(DateTime at) => at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static async Task<object?> Scalar(SqliteConnection db, string sql, params object[] values)
    {
        await using var command = Command(db, sql, values);
        return await command.ExecuteScalarAsync();
    }

    private static async Task Exec(SqliteConnection db, string sql, params object[] values)
    {
        await using var command = Command(db, sql, values);
        await command.ExecuteNonQueryAsync();
    }

    private static SqliteCommand Command(SqliteConnection db, string sql, object[] values)
    {
        var command = db.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue($"$p{i}", values[i]);
        }

        return command;
    }

    /// <summary>The invoice PDF next to the screenshots, and as a PNG per page when poppler's pdftoppm is there.</summary>
    private static async Task SavePdfAsImageAsync(byte[] pdf)
    {
        var directory = Path.Combine(BrowserFixture.ScreenshotDirectory, "billing");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "invoice.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        if (File.Exists("/usr/bin/pdftoppm"))
        {
            using var process = System.Diagnostics.Process.Start("/usr/bin/pdftoppm", ["-png", "-r", "110", path, Path.Combine(directory, "invoice")])!;
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The page as it is, in the light and the dark theme.</summary>
    private static async Task ScreenshotsAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Path.Combine(BrowserFixture.ScreenshotDirectory, "billing"));
        var path = new Uri(page.Url).PathAndQuery;
        foreach (var theme in new[] { "light", "dark" })
        {
            await page.GotoAsync("/");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            if (!(await page.Locator("[data-testid=theme-stylesheet]").GetAttributeAsync("href") ?? "").Contains(theme, StringComparison.Ordinal))
            {
                await page.ClickAsync("[data-testid=theme-toggle] button");
                await Expect(page.Locator("[data-testid=theme-stylesheet]")).ToHaveAttributeAsync("href", $"theme/{theme}.css");
            }

            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.WaitForFunctionAsync("() => !document.querySelector('.mud-table-loading-progress, .mud-progress-linear')", null, new() { Timeout = 30_000 });
            await BrowserFixture.ScreenshotAsync(page, $"billing/{name}-{theme}");
        }
    }

    private async Task SignUpAndLogInAsync(IPage page, string organization)
    {
        var email = $"bill-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", organization);
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToContainTextAsync(email);
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await LogInAsync(page, email, Password);
    }

    private static async Task LogInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.ClickAsync("[data-testid=login-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
    }
}
