using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Speedera.Tests.Support;
using Speedera.Web.Data;
using Speedera.Web.Features.Email;

namespace Speedera.Tests.Integration.Portal;

public sealed class OutboxTests(SqlitePortalFactory factory) : IClassFixture<SqlitePortalFactory>
{
    [Fact]
    public async Task Failed_delivery_is_retried_after_backoff_and_sent_exactly_once()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        var transport = new FlakyTransport(failures: 1);
        using var app = factory.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
        {
            services.RemoveAll<IHostedService>();
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<IMailTransport>(transport);
            services.AddSingleton<OutboxDispatcher>();
        }));
        var to = $"retry-{Guid.NewGuid():N}@example.test";
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<Outbox>().EnqueueAsync(to, "Hello", "text", "<p>html</p>");
        }

        var dispatcher = app.Services.GetRequiredService<OutboxDispatcher>();

        Assert.Equal(0, await dispatcher.DeliverDueAsync(CancellationToken.None));
        var afterFailure = await MessageAsync(app, to);
        Assert.Null(afterFailure.SentAt);
        Assert.Equal(1, afterFailure.Attempts);
        Assert.Equal("SMTP server said no", afterFailure.LastError);
        Assert.Equal(clock.GetUtcNow().UtcDateTime.AddSeconds(10), afterFailure.NextAttemptAt);

        Assert.Equal(0, await dispatcher.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(1, (await MessageAsync(app, to)).Attempts);

        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, await dispatcher.DeliverDueAsync(CancellationToken.None));
        var sent = await MessageAsync(app, to);
        Assert.NotNull(sent.SentAt);
        Assert.Equal(2, sent.Attempts);
        Assert.Null(sent.LastError);

        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await dispatcher.DeliverDueAsync(CancellationToken.None));
        Assert.Equal([to], transport.Delivered);
    }

    private static async Task<EmailMessage> MessageAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> app, string to)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().EmailMessages.AsNoTracking().SingleAsync(m => m.To == to);
    }

    private sealed class FlakyTransport(int failures) : IMailTransport
    {
        private int remainingFailures = failures;

        public List<string> Delivered { get; } = [];

        public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
        {
            if (remainingFailures-- > 0)
            {
                throw new InvalidOperationException("SMTP server said no");
            }

            Delivered.Add(message.To);
            return Task.CompletedTask;
        }
    }
}
