using Microsoft.AspNetCore.Identity;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Account;

/// <summary>What a signup produced: the new customer account, or Identity's reasons for refusing it.</summary>
public sealed record SignupResult(ApplicationUser? User, IReadOnlyList<string> Errors)
{
    public bool Succeeded => User is not null;
}

/// <summary>
/// Creates a customer organization and its first user. One transaction: a failed signup leaves
/// neither an organization nor a user behind.
/// </summary>
public sealed class SignupService(SpeederaDbContext db, UserManager<ApplicationUser> users, TimeProvider time)
{
    public async Task<SignupResult> SignUpAsync(string email, string organizationName, string password, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var organization = new Organization { Id = Guid.NewGuid(), Name = organizationName, CreatedAt = now };
        var user = new ApplicationUser { UserName = email, Email = email, OrganizationId = organization.Id, OrganizationRole = OrganizationRole.Owner, CreatedAt = now };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Organizations.Add(organization);
        await db.SaveChangesAsync(cancellationToken);
        var result = await users.CreateAsync(user, password);
        if (result.Succeeded)
        {
            result = await users.AddToRoleAsync(user, Roles.Customer);
        }

        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return new SignupResult(null, result.Errors.Select(e => e.Description).ToList());
        }

        await transaction.CommitAsync(cancellationToken);
        return new SignupResult(user, []);
    }
}
