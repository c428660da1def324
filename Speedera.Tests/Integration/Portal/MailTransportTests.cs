using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;
using Speedera.Web.Features.Email;
using Speedera.Web.Hosting;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The two mail transports, through MailKit/MimeKit: the pickup file the tests read, and SMTP on loopback.</summary>
public sealed class MailTransportTests : IDisposable
{
    private const string Link = "https://portal.example.test/Account/ConfirmEmail?userId=42&code=abc%3D%3D&returnUrl=%2Fdomains%2Fsome%2Flong%2Fpath%2Fthat%2Fmakes%2Fthe%2Fline%2Flonger%2Fthan%2Fseventy%2Fsix";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "speedera-mail-" + Guid.NewGuid().ToString("N"));

    private static EmailMessage Message() => new()
    {
        Id = Guid.NewGuid(),
        To = "customer@example.test",
        Subject = "Confirm your email",
        TextBody = $"Hello,\n\nconfirm your address: {Link}\n",
        HtmlBody = $"<p>Confirm: <a href=\"{Link}\">confirm</a></p>",
        CreatedAt = new DateTime(2026, 11, 29, 14, 0, 0, DateTimeKind.Utc),
    };

    [Fact]
    public async Task Pickup_file_has_crlf_headers_and_the_link_unencoded_in_the_text_part()
    {
        var transport = new PickupDirectoryMailTransport(
            Options.Create(new MailOptions()), Options.Create(new SpeederaOptions { DataDirectory = _root }), new Environment(_root));
        var message = Message();

        await transport.SendAsync(message, CancellationToken.None);

        var file = Assert.Single(Directory.GetFiles(transport.Directory, "*.eml"));
        Assert.Equal($"20261129T140000-{message.Id:N}.eml", Path.GetFileName(file));
        var text = await File.ReadAllTextAsync(file);
        Assert.Contains("To: customer@example.test\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Subject: Confirm your email\r\n", text, StringComparison.Ordinal);
        Assert.Contains($"Message-Id: <{message.Id:N}@speedera.local>", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("text/plain", text, StringComparison.Ordinal);
        Assert.Contains("text/html", text, StringComparison.Ordinal);
        Assert.Equal(Link, System.Text.RegularExpressions.Regex.Match(text, @"https?://\S+").Value);
        Assert.Empty(Directory.GetFiles(transport.Directory, "*.tmp"));
    }

    [Fact]
    public async Task Smtp_transport_delivers_the_message_to_a_relay()
    {
        using var relay = new LoopbackSmtpRelay();
        var transport = new SmtpMailTransport(Options.Create(new MailOptions
        {
            Delivery = MailDelivery.Smtp,
            SmtpHost = "127.0.0.1",
            SmtpPort = relay.Port,
            SmtpUseTls = false,
            From = "Speedera <no-reply@speedera.local>",
        }));

        await transport.SendAsync(Message(), CancellationToken.None);

        var received = await relay.Received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("<no-reply@speedera.local>", received.From);
        Assert.Equal(["<customer@example.test>"], received.To);
        Assert.Contains("Subject: Confirm your email", received.Data, StringComparison.Ordinal);
        Assert.Contains("multipart/alternative", received.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_transport_without_a_host_refuses_to_send()
    {
        var transport = new SmtpMailTransport(Options.Create(new MailOptions { Delivery = MailDelivery.Smtp }));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => transport.SendAsync(Message(), CancellationToken.None));
        Assert.Contains("SmtpHost", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private sealed class Environment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";

        public string ApplicationName { get; set; } = "Speedera.Tests";

        public string ContentRootPath { get; set; } = root;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    private sealed record Envelope(string From, List<string> To, string Data);

    /// <summary>Just enough of an SMTP server (RFC 5321) on 127.0.0.1 to take one message.</summary>
    private sealed class LoopbackSmtpRelay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public LoopbackSmtpRelay()
        {
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public TaskCompletionSource<Envelope> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private async Task ServeAsync()
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync();
                using var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII);
                await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 relay.test ESMTP");
                string from = "";
                var to = new List<string>();
                while (await reader.ReadLineAsync() is { } line)
                {
                    var verb = line.Split(' ', ':')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO" or "HELO":
                            await writer.WriteLineAsync("250 relay.test");
                            break;
                        case "MAIL":
                            from = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ')[0];
                            await writer.WriteLineAsync("250 OK");
                            break;
                        case "RCPT":
                            to.Add(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ')[0]);
                            await writer.WriteLineAsync("250 OK");
                            break;
                        case "DATA":
                            await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                            var data = new StringBuilder();
                            while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                            {
                                data.Append(dataLine).Append("\r\n");
                            }

                            await writer.WriteLineAsync("250 OK queued");
                            Received.TrySetResult(new Envelope(from, to, data.ToString()));
                            break;
                        case "QUIT":
                            await writer.WriteLineAsync("221 Bye");
                            return;
                        default:
                            await writer.WriteLineAsync("250 OK");
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                Received.TrySetException(ex);
            }
        }

        public void Dispose() => _listener.Stop();
    }
}
