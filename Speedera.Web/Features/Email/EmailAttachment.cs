using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Email;

/// <summary>A file sent with an outbox message (an invoice PDF); stored with the message so a retry sends the same bytes.</summary>
public sealed class EmailAttachment
{
    public Guid Id { get; set; }

    public Guid MessageId { get; set; }

    public required string FileName { get; set; }

    public required string ContentType { get; set; }

    public required byte[] Content { get; set; }
}

/// <summary>One file to attach when queueing a message.</summary>
public sealed record OutboxAttachment(string FileName, string ContentType, byte[] Content);

internal sealed class EmailAttachmentConfiguration : IEntityTypeConfiguration<EmailAttachment>
{
    public void Configure(EntityTypeBuilder<EmailAttachment> b)
    {
        b.ToTable("EmailAttachments");
        b.Property(a => a.FileName).HasMaxLength(200);
        b.Property(a => a.ContentType).HasMaxLength(100);
        b.HasOne<EmailMessage>().WithMany(m => m.Attachments).HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}
