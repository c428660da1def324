using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;
using Speedera.Web.Features.Email;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Organizations;

public sealed class OrganizationOptions
{
    public const string Section = "Speedera:Organizations";

    /// <summary>How long an invitation link works.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);
}

public sealed record MemberView(string UserId, string Email, string? DisplayName, OrganizationRole Role, bool TwoFactorEnabled, DateTime CreatedAt);

public sealed record InvitationView(Guid Id, string Email, OrganizationRole Role, DateTime CreatedAt, string CreatedBy, DateTime ExpiresAt);

public sealed record OrganizationResult(bool Succeeded, string? Error = null)
{
    public static readonly OrganizationResult Ok = new(true);

    public static OrganizationResult Fail(string error) => new(false, error);
}

public enum InvitationState
{
    Unknown,
    Valid,
    Expired,
    Used,
    Revoked,
}

public sealed record InvitationLookup(InvitationState State, OrganizationInvitation? Invitation, string? OrganizationName)
{
    public string Explanation => State switch
    {
        InvitationState.Valid => "",
        InvitationState.Expired => "This invitation has expired. Ask the organization's owner for a new one.",
        InvitationState.Used => "This invitation has already been used.",
        InvitationState.Revoked => "This invitation was withdrawn.",
        _ => "This invitation link is not valid.",
    };
}

/// <summary>
/// Members of a customer organization: invitations by e-mail (single-use links that expire), roles, removal.
/// An organization always keeps at least one owner. A member belongs to one organization at a time.
/// </summary>
public sealed class OrganizationService(
    SpeederaDbContext db,
    UserManager<ApplicationUser> users,
    Outbox outbox,
    TimeProvider time,
    IOptions<OrganizationOptions> options)
{
    public const string TokenPrefix = "inv_";

    public Task<string?> NameAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => o.Name).SingleOrDefaultAsync(cancellationToken);

    public Task<List<MemberView>> MembersAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        db.Users.AsNoTracking()
            .Where(u => u.OrganizationId == organizationId)
            .OrderBy(u => u.Email)
            .Select(u => new MemberView(u.Id, u.Email ?? u.UserName ?? "", u.DisplayName, u.OrganizationRole ?? OrganizationRole.Owner, u.TwoFactorEnabled, u.CreatedAt))
            .ToListAsync(cancellationToken);

    public async Task<List<InvitationView>> PendingInvitationsAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await db.OrganizationInvitations.AsNoTracking()
            .Where(i => i.OrganizationId == organizationId && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .OrderByDescending(i => i.CreatedAt)
            .Select(i => new InvitationView(i.Id, i.Email, i.Role, i.CreatedAt, i.CreatedBy, i.ExpiresAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Queues the invitation mail with a link under <paramref name="baseUri"/>; returns the link (tests follow it).</summary>
    public async Task<(OrganizationResult Result, string? Link)> InviteAsync(
        Guid organizationId, string email, OrganizationRole role, string author, Uri baseUri, CancellationToken cancellationToken = default)
    {
        email = email.Trim();
        if (email.Length is 0 or > 256 || !new EmailAddressAttribute().IsValid(email) || email.Any(char.IsControl))
        {
            return (OrganizationResult.Fail("Enter a valid e-mail address."), null);
        }

        if (!Enum.IsDefined(role))
        {
            return (OrganizationResult.Fail("Pick a role: owner, technical or billing."), null);
        }

        var normalized = users.NormalizeEmail(email);
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == normalized && u.OrganizationId == organizationId, cancellationToken))
        {
            return (OrganizationResult.Fail($"{email} is already a member."), null);
        }

        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == organizationId, cancellationToken);
        var token = SecretKeys.Generate(TokenPrefix);
        var now = time.GetUtcNow().UtcDateTime;
        db.OrganizationInvitations.Add(new OrganizationInvitation
        {
            Id = Guid.NewGuid(),
            OrganizationId = organizationId,
            Email = email,
            Role = role,
            TokenHash = SecretKeys.Hash(token),
            CreatedAt = now,
            CreatedBy = author,
            ExpiresAt = now + options.Value.InvitationLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);

        var link = new Uri(baseUri, "Account/AcceptInvitation?token=" + Uri.EscapeDataString(token)).AbsoluteUri;
        var days = (int)Math.Round(options.Value.InvitationLifetime.TotalDays);
        var intro = $"{author} invited you to join {organization.Name} on Speedera as {RoleName(role)}.";
        await outbox.EnqueueAsync(email, $"Join {organization.Name} on Speedera",
            $"{intro}\n\nAccept the invitation (sign up or sign in) within {days} days:\n\n{link}\n\nIf you did not expect this, ignore this message.\n",
            $"<p>{WebUtility.HtmlEncode(intro)}</p><p>Accept the invitation (sign up or sign in) within {days} days:</p><p><a href=\"{WebUtility.HtmlEncode(link)}\">{WebUtility.HtmlEncode(link)}</a></p>",
            cancellationToken);
        return (OrganizationResult.Ok, link);
    }

    public async Task<bool> RevokeInvitationAsync(Guid organizationId, Guid invitationId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await db.OrganizationInvitations
            .Where(i => i.Id == invitationId && i.OrganizationId == organizationId && i.AcceptedAt == null && i.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), cancellationToken) == 1;
    }

    public async Task<InvitationLookup> FindInvitationAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || !token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return new InvitationLookup(InvitationState.Unknown, null, null);
        }

        var hash = SecretKeys.Hash(token);
        var invitation = await db.OrganizationInvitations.AsNoTracking().Include(i => i.Organization)
            .SingleOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
        if (invitation is null || !SecretKeys.Matches(token, invitation.TokenHash))
        {
            return new InvitationLookup(InvitationState.Unknown, null, null);
        }

        var state = invitation.AcceptedAt is not null ? InvitationState.Used
            : invitation.RevokedAt is not null ? InvitationState.Revoked
            : invitation.ExpiresAt <= time.GetUtcNow().UtcDateTime ? InvitationState.Expired
            : InvitationState.Valid;
        return new InvitationLookup(state, invitation, invitation.Organization?.Name);
    }

    /// <summary>
    /// A signed-in user takes the invitation: they must hold the invited address, and may not leave an organization
    /// of which they are the last owner while others remain in it. Staff accounts cannot join customers.
    /// </summary>
    public async Task<OrganizationResult> AcceptAsync(string token, ApplicationUser user, CancellationToken cancellationToken = default)
    {
        var lookup = await FindInvitationAsync(token, cancellationToken);
        if (lookup.State != InvitationState.Valid)
        {
            return OrganizationResult.Fail(lookup.Explanation);
        }

        var invitation = lookup.Invitation!;
        if (!string.Equals(users.NormalizeEmail(invitation.Email), user.NormalizedEmail, StringComparison.Ordinal))
        {
            return OrganizationResult.Fail($"This invitation is for {invitation.Email}. Sign in with that address to accept it.");
        }

        var roles = await users.GetRolesAsync(user);
        if (roles.Any(r => r != Roles.Customer))
        {
            return OrganizationResult.Fail("Staff accounts cannot join a customer organization.");
        }

        if (user.OrganizationId == invitation.OrganizationId)
        {
            return OrganizationResult.Fail($"You are already a member of {lookup.OrganizationName}.");
        }

        if (user.OrganizationId is { } current && user.OrganizationRole == OrganizationRole.Owner
            && await db.Users.AnyAsync(u => u.OrganizationId == current && u.Id != user.Id, cancellationToken)
            && !await db.Users.AnyAsync(u => u.OrganizationId == current && u.Id != user.Id && u.OrganizationRole == OrganizationRole.Owner, cancellationToken))
        {
            return OrganizationResult.Fail("You are the last owner of your current organization: make another member owner first.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await TakeAsync(invitation.Id, user.Id, cancellationToken))
        {
            return OrganizationResult.Fail("This invitation has already been used.");
        }

        user.OrganizationId = invitation.OrganizationId;
        user.OrganizationRole = invitation.Role;
        var result = await users.UpdateAsync(user);
        if (result.Succeeded && !roles.Contains(Roles.Customer))
        {
            result = await users.AddToRoleAsync(user, Roles.Customer);
        }

        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return OrganizationResult.Fail(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        await transaction.CommitAsync(cancellationToken);
        return OrganizationResult.Ok;
    }

    /// <summary>
    /// Signs up a new account through an invitation. The link reached the invited address, so that address counts as
    /// confirmed; the account joins the organization at once.
    /// </summary>
    public async Task<(ApplicationUser? User, IReadOnlyList<string> Errors)> SignUpAsync(string token, string password, CancellationToken cancellationToken = default)
    {
        var lookup = await FindInvitationAsync(token, cancellationToken);
        if (lookup.State != InvitationState.Valid)
        {
            return (null, [lookup.Explanation]);
        }

        var invitation = lookup.Invitation!;
        var user = new ApplicationUser
        {
            UserName = invitation.Email,
            Email = invitation.Email,
            EmailConfirmed = true,
            OrganizationId = invitation.OrganizationId,
            OrganizationRole = invitation.Role,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await users.CreateAsync(user, password);
        if (result.Succeeded)
        {
            result = await users.AddToRoleAsync(user, Roles.Customer);
        }

        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return (null, result.Errors.Select(e => e.Description).ToList());
        }

        if (!await TakeAsync(invitation.Id, user.Id, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return (null, ["This invitation has already been used."]);
        }

        await transaction.CommitAsync(cancellationToken);
        return (user, []);
    }

    public async Task<OrganizationResult> ChangeRoleAsync(Guid organizationId, string userId, OrganizationRole role, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(role))
        {
            return OrganizationResult.Fail("Pick a role: owner, technical or billing.");
        }

        var member = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == organizationId, cancellationToken);
        if (member is null)
        {
            return OrganizationResult.Fail("No such member.");
        }

        if (member.OrganizationRole == role)
        {
            return OrganizationResult.Ok;
        }

        if (member.OrganizationRole == OrganizationRole.Owner && !await HasOtherOwnerAsync(organizationId, userId, cancellationToken))
        {
            return OrganizationResult.Fail("The last owner cannot be demoted: make another member owner first.");
        }

        // Every request re-reads the member's claims and circuits revalidate them, so the new role holds within 30 s.
        member.OrganizationRole = role;
        var result = await users.UpdateAsync(member);
        return result.Succeeded ? OrganizationResult.Ok : OrganizationResult.Fail(string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    public async Task<OrganizationResult> RemoveAsync(Guid organizationId, string userId, CancellationToken cancellationToken = default)
    {
        var member = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == organizationId, cancellationToken);
        if (member is null)
        {
            return OrganizationResult.Fail("No such member.");
        }

        if (member.OrganizationRole == OrganizationRole.Owner && !await HasOtherOwnerAsync(organizationId, userId, cancellationToken))
        {
            return OrganizationResult.Fail("The last owner cannot be removed.");
        }

        member.OrganizationId = null;
        member.OrganizationRole = null;
        var result = await users.UpdateAsync(member);
        if (result.Succeeded)
        {
            // Ends the removed member's sessions at once (cookies are checked against the stamp on every request).
            result = await users.UpdateSecurityStampAsync(member);
        }

        return result.Succeeded ? OrganizationResult.Ok : OrganizationResult.Fail(string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    public static string RoleName(OrganizationRole role) => role switch
    {
        OrganizationRole.Owner => "owner",
        OrganizationRole.Technical => "technical member",
        OrganizationRole.Billing => "billing member",
        _ => role.ToString(),
    };

    private Task<bool> HasOtherOwnerAsync(Guid organizationId, string userId, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.OrganizationId == organizationId && u.Id != userId && u.OrganizationRole == OrganizationRole.Owner, cancellationToken);

    // One conditional update, so two concurrent accepts of the same link cannot both succeed.
    private async Task<bool> TakeAsync(Guid invitationId, string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await db.OrganizationInvitations
            .Where(i => i.Id == invitationId && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.AcceptedAt, now).SetProperty(i => i.AcceptedByUserId, userId), cancellationToken) == 1;
    }
}
