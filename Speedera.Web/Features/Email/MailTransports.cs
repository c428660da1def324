using System.Net;
using System.Net.Mail;
using System.Text;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Email;

/// <summary>Hands one message to the outside world; throws when it could not.</summary>
public interface IMailTransport
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>Development delivery: one RFC 5322 .eml file per message in the pickup folder.</summary>
public sealed class PickupDirectoryMailTransport(IOptions<MailOptions> mail, IOptions<SpeederaOptions> speedera, IHostEnvironment env) : IMailTransport
{
    public string Directory => Path.Combine(speedera.Value.ResolveDataDirectory(env.ContentRootPath), mail.Value.PickupDirectory);

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var builder = new StringBuilder()
            .Append("From: ").Append(mail.Value.From).Append("\r\n")
            .Append("To: ").Append(message.To).Append("\r\n")
            .Append("Subject: ").Append(message.Subject).Append("\r\n")
            .Append("Date: ").Append(message.CreatedAt.ToString("r")).Append("\r\n")
            .Append("Message-ID: <").Append(message.Id.ToString("N")).Append("@speedera.local>\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n\r\n")
            .Append(message.TextBody.Replace("\n", "\r\n", StringComparison.Ordinal));
        var path = Path.Combine(Directory, $"{message.CreatedAt:yyyyMMddTHHmmss}-{message.Id:N}.eml");
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, builder.ToString(), Encoding.UTF8, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }
}

public sealed class SmtpMailTransport(IOptions<MailOptions> options) : IMailTransport
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var mail = options.Value;
        if (string.IsNullOrWhiteSpace(mail.SmtpHost))
        {
            throw new InvalidOperationException("Speedera:Mail:SmtpHost is not set.");
        }

        using var client = new SmtpClient(mail.SmtpHost, mail.SmtpPort) { EnableSsl = mail.SmtpUseTls };
        if (!string.IsNullOrEmpty(mail.SmtpUserName))
        {
            client.Credentials = new NetworkCredential(mail.SmtpUserName, mail.SmtpPassword);
        }

        using var msg = new MailMessage { From = new MailAddress(mail.From), Subject = message.Subject, Body = message.TextBody };
        msg.To.Add(message.To);
        msg.AlternateViews.Add(AlternateView.CreateAlternateViewFromString(message.HtmlBody, Encoding.UTF8, "text/html"));
        await client.SendMailAsync(msg, cancellationToken);
    }
}
