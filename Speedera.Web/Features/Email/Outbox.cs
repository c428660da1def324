using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Email;

/// <summary>Queues mail in the database; <see cref="OutboxDispatcher"/> delivers it with retries.</summary>
public sealed class Outbox(SpeederaDbContext db, TimeProvider time, OutboxSignal signal)
{
    public Task EnqueueAsync(string to, string subject, string text, string html, CancellationToken cancellationToken = default) =>
        EnqueueAsync(to, subject, text, html, [], cancellationToken);

    public async Task EnqueueAsync(string to, string subject, string text, string html, IReadOnlyList<OutboxAttachment> attachments, CancellationToken cancellationToken = default)
    {
        Add(to, subject, text, html, attachments);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
    }

    /// <summary>Adds the message to the context without saving, so a caller can commit it with its own changes (mail if and only if they commit).</summary>
    public void Add(string to, string subject, string text, string html, IReadOnlyList<OutboxAttachment> attachments)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var message = new EmailMessage
        {
            Id = Guid.NewGuid(),
            To = to,
            Subject = subject,
            TextBody = text,
            HtmlBody = html,
            CreatedAt = now,
            NextAttemptAt = now,
        };
        foreach (var a in attachments)
        {
            message.Attachments.Add(new EmailAttachment { Id = Guid.NewGuid(), MessageId = message.Id, FileName = a.FileName, ContentType = a.ContentType, Content = a.Content });
        }

        db.EmailMessages.Add(message);
    }

    /// <summary>Wakes the dispatcher after a caller saved messages it added with <see cref="Add"/>.</summary>
    public void Notify() => signal.Notify();
}

/// <summary>Wakes the dispatcher as soon as something is queued.</summary>
public sealed class OutboxSignal
{
    private readonly Channel<bool> channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => channel.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>The Identity mails (confirm, reset) go through the outbox.</summary>
public sealed class OutboxIdentityEmailSender(Outbox outbox) : IEmailSender<ApplicationUser>
{
    public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) =>
        SendLinkAsync(email, "Confirm your Speedera account",
            "Welcome to Speedera. Confirm your e-mail address by opening this link:", confirmationLink);

    public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) =>
        SendLinkAsync(email, "Reset your Speedera password",
            "Someone asked to reset the password of this Speedera account. If it was you, open this link:", resetLink);

    public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) =>
        outbox.EnqueueAsync(email, "Your Speedera password reset code",
            $"Your password reset code is: {resetCode}\n",
            $"<p>Your password reset code is: <strong>{WebUtility.HtmlEncode(resetCode)}</strong></p>");

    // The link arrives HTML-encoded (the Identity pages encode it for HTML mail).
    private Task SendLinkAsync(string email, string subject, string intro, string encodedLink)
    {
        var link = WebUtility.HtmlDecode(encodedLink);
        return outbox.EnqueueAsync(email, subject,
            $"{intro}\n\n{link}\n\nIf you did not ask for this, ignore this message.\n",
            $"<p>{WebUtility.HtmlEncode(intro)}</p><p><a href=\"{WebUtility.HtmlEncode(link)}\">{WebUtility.HtmlEncode(link)}</a></p>");
    }
}

/// <summary>Delivers queued mail; a failed message is retried with exponential backoff.</summary>
public sealed partial class OutboxDispatcher(
    IServiceScopeFactory scopes,
    IMailTransport transport,
    OutboxSignal signal,
    IOptions<MailOptions> options,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeliverDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.DispatchFailed(logger, ex);
            }

            try
            {
                await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var max = options.Value.MaxAttempts;
        var due = await db.EmailMessages
            .Where(m => m.SentAt == null && m.Attempts < max && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt)
            .Take(50)
            .Include(m => m.Attachments)
            .ToListAsync(cancellationToken);

        var sent = 0;
        foreach (var message in due)
        {
            message.Attempts++;
            try
            {
                await transport.SendAsync(message, cancellationToken);
                message.SentAt = time.GetUtcNow().UtcDateTime;
                message.LastError = null;
                sent++;
                Log.Sent(logger, message.Id, message.Subject);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                message.LastError = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
                message.NextAttemptAt = time.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(Math.Min(3600, 5 * Math.Pow(2, message.Attempts)));
                Log.SendFailed(logger, message.Id, message.Attempts, ex.Message);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return sent;
    }

    private static partial class Log
    {
        [LoggerMessage(1100, LogLevel.Information, "Mail {MessageId} sent: {Subject}")]
        public static partial void Sent(ILogger logger, Guid messageId, string subject);

        [LoggerMessage(1101, LogLevel.Warning, "Mail {MessageId} attempt {Attempt} failed: {Error}")]
        public static partial void SendFailed(ILogger logger, Guid messageId, int attempt, string error);

        [LoggerMessage(1102, LogLevel.Error, "Outbox dispatch failed")]
        public static partial void DispatchFailed(ILogger logger, Exception exception);
    }
}
