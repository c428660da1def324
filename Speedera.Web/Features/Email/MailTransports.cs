using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Speedera.Web.Data;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Email;

/// <summary>Hands one message to the outside world; throws when it could not.</summary>
public interface IMailTransport
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>One outbox message as MIME: plain text and HTML alternatives, with a stable Message-ID.</summary>
public static class MailMessages
{
    /// <summary>CRLF line ends as RFC 5322 section 2.1 requires, also in files (MimeKit defaults to the platform's).</summary>
    public static readonly FormatOptions Format = CreateFormat();

    public static MimeMessage Create(EmailMessage message, string from)
    {
        var mime = new MimeMessage
        {
            MessageId = $"{message.Id:N}@speedera.local",
            Date = new DateTimeOffset(DateTime.SpecifyKind(message.CreatedAt, DateTimeKind.Utc)),
            Subject = message.Subject,
        };
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        foreach (var attachment in message.Attachments)
        {
            body.Attachments.Add(attachment.FileName, attachment.Content, ContentType.Parse(attachment.ContentType));
        }

        mime.Body = body.ToMessageBody();
        mime.From.Add(MailboxAddress.Parse(from));
        mime.To.Add(MailboxAddress.Parse(message.To));
        return mime;
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}

/// <summary>Development delivery: one RFC 5322 .eml file per message in the pickup folder.</summary>
public sealed class PickupDirectoryMailTransport(IOptions<MailOptions> mail, IOptions<SpeederaOptions> speedera, IHostEnvironment env) : IMailTransport
{
    public string Directory => Path.Combine(speedera.Value.ResolveDataDirectory(env.ContentRootPath), mail.Value.PickupDirectory);

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, $"{message.CreatedAt:yyyyMMddTHHmmss}-{message.Id:N}.eml");
        var temp = path + ".tmp";

        // Written aside and moved into place, so a reader never sees half a message.
        await using (var file = File.Create(temp))
        {
            await MailMessages.Create(message, mail.Value.From).WriteToAsync(MailMessages.Format, file, cancellationToken);
        }

        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>Delivery through an SMTP relay (MailKit): implicit TLS on port 465, STARTTLS required elsewhere when TLS is on.</summary>
public sealed class SmtpMailTransport(IOptions<MailOptions> options) : IMailTransport
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var mail = options.Value;
        if (string.IsNullOrWhiteSpace(mail.SmtpHost))
        {
            throw new InvalidOperationException("Speedera:Mail:SmtpHost is not set.");
        }

        var security = !mail.SmtpUseTls ? SecureSocketOptions.None
            : mail.SmtpPort == 465 ? SecureSocketOptions.SslOnConnect
            : SecureSocketOptions.StartTls;
        using var client = new SmtpClient();
        await client.ConnectAsync(mail.SmtpHost, mail.SmtpPort, security, cancellationToken);
        if (!string.IsNullOrEmpty(mail.SmtpUserName))
        {
            await client.AuthenticateAsync(mail.SmtpUserName, mail.SmtpPassword ?? "", cancellationToken);
        }

        await client.SendAsync(MailMessages.Create(message, mail.From), cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
