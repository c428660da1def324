namespace Speedera.Web.Features.Email;

public enum MailDelivery
{
    /// <summary>Write each message as an .eml file into <see cref="MailOptions.PickupDirectory"/>.</summary>
    Pickup,

    Smtp,
}

/// <summary>Settings under <c>Speedera:Mail</c>.</summary>
public sealed class MailOptions
{
    public const string Section = "Speedera:Mail";

    public MailDelivery Delivery { get; set; } = MailDelivery.Pickup;

    public string From { get; set; } = "Speedera <no-reply@speedera.local>";

    /// <summary>Relative paths are under the data directory.</summary>
    public string PickupDirectory { get; set; } = "mail";

    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 587;

    public bool SmtpUseTls { get; set; } = true;

    public string? SmtpUserName { get; set; }

    /// <summary>From the environment (<c>Speedera__Mail__SmtpPassword</c>), never from a file in the repo.</summary>
    public string? SmtpPassword { get; set; }

    public int MaxAttempts { get; set; } = 8;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}
