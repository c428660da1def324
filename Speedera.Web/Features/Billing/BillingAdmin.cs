using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Billing;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Billing;

public sealed class PlanInput
{
    public string Name { get; set; } = "";

    public string Currency { get; set; } = "EUR";

    public decimal MonthlyFee { get; set; }

    public decimal MinimumCharge { get; set; }

    public decimal PricePer10kRequests { get; set; }

    public decimal PricePerMillionDnsAnswers { get; set; }

    /// <summary>First month the plan rates (yyyy-MM).</summary>
    public string ValidFrom { get; set; } = "";

    public bool IsDefault { get; set; }

    public List<DeliveryTier> Tiers { get; set; } = [];
}

public sealed class BillingProfileInput
{
    public string LegalName { get; set; } = "";

    public string AddressLine1 { get; set; } = "";

    public string AddressLine2 { get; set; } = "";

    public string PostalCode { get; set; } = "";

    public string City { get; set; } = "";

    public string Country { get; set; } = "";

    public string? VatId { get; set; }

    /// <summary>Null: what <see cref="TaxRules.Suggest"/> gives for the country and VAT id.</summary>
    public TaxTreatment? TaxTreatment { get; set; }

    public decimal? VatRatePercent { get; set; }

    public string? BillingEmail { get; set; }

    public int PaymentTermsDays { get; set; } = 14;
}

public sealed record PlanRow(Guid Id, string Name, string Currency, decimal MonthlyFee, decimal MinimumCharge, decimal PricePer10kRequests,
    decimal PricePerMillionDnsAnswers, DateTime ValidFrom, DateTime? ValidUntil, bool IsDefault, IReadOnlyList<DeliveryTier> Tiers, int Organizations);

public sealed record PlanHistoryRow(string PlanName, DateTime EffectiveFrom, DateTime AssignedAt, string AssignedBy);

/// <summary>Finance's side of plans and billing profiles. Plans are added and retired, never edited in place.</summary>
public sealed class BillingAdmin(IServiceScopeFactory scopes, IOptions<BillingOptions> options, TimeProvider time)
{
    public const string DefaultPlanName = "Standard";

    public async Task<IReadOnlyList<PlanRow>> PlansAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var plans = await db.PricePlans.AsNoTracking().Include(p => p.Tiers).OrderBy(p => p.Name).ThenBy(p => p.ValidFrom).ToListAsync(cancellationToken);
        var current = BillingPeriods.MonthStart(time.GetUtcNow().UtcDateTime);
        var onPlan = (await BillingRating.PlansForAsync(db, current, null, cancellationToken)).Values.GroupBy(p => p.Id).ToDictionary(g => g.Key, g => g.Count());
        return plans.Select(p => new PlanRow(p.Id, p.Name, p.Currency, p.MonthlyFee, p.MinimumCharge, p.PricePer10kRequests, p.PricePerMillionDnsAnswers,
            p.ValidFrom, p.ValidUntil, p.IsDefault, p.Tiers.OrderBy(t => t.Region.HasValue).ThenBy(t => t.Region).ThenBy(t => t.FromGb).Select(t => new DeliveryTier(t.Region, t.FromGb, t.PricePerGb)).ToList(),
            onPlan.GetValueOrDefault(p.Id))).ToList();
    }

    /// <summary>Seeds the default plan on an empty plan table, so rating works before Finance configures anything.</summary>
    public async Task EnsureDefaultPlanAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        if (await db.PricePlans.AnyAsync(cancellationToken))
        {
            return;
        }

        var plan = new PricePlanEntity
        {
            Id = Guid.NewGuid(),
            Name = DefaultPlanName,
            Currency = "EUR",
            MonthlyFee = 49m,
            MinimumCharge = 0m,
            PricePer10kRequests = 0.0075m,
            PricePerMillionDnsAnswers = 0.40m,
            ValidFrom = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            IsDefault = true,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        plan.Tiers.AddRange(
        [
            new PlanDeliveryTierEntity { Id = Guid.NewGuid(), PlanId = plan.Id, Region = null, FromGb = 0, PricePerGb = 0.085m },
            new PlanDeliveryTierEntity { Id = Guid.NewGuid(), PlanId = plan.Id, Region = null, FromGb = 10_000, PricePerGb = 0.060m },
            new PlanDeliveryTierEntity { Id = Guid.NewGuid(), PlanId = plan.Id, Region = null, FromGb = 50_000, PricePerGb = 0.040m },
            new PlanDeliveryTierEntity { Id = Guid.NewGuid(), PlanId = plan.Id, Region = BillingRegion.SouthAmerica, FromGb = 0, PricePerGb = 0.110m },
            new PlanDeliveryTierEntity { Id = Guid.NewGuid(), PlanId = plan.Id, Region = BillingRegion.SouthAmerica, FromGb = 10_000, PricePerGb = 0.080m },
            new PlanDeliveryTierEntity { Id = Guid.NewGuid(), PlanId = plan.Id, Region = BillingRegion.AsiaPacific, FromGb = 0, PricePerGb = 0.120m },
            new PlanDeliveryTierEntity { Id = Guid.NewGuid(), PlanId = plan.Id, Region = BillingRegion.AsiaPacific, FromGb = 10_000, PricePerGb = 0.090m },
        ]);
        db.PricePlans.Add(plan);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another instance seeded it at the same moment.
        }
    }

    public async Task<BillingOutcome> CreatePlanAsync(PlanInput input, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Length > 100)
        {
            return BillingOutcome.Fail("The plan needs a name of at most 100 characters.");
        }

        if (!BillingPeriods.TryParseMonth(input.ValidFrom, out var validFrom))
        {
            return BillingOutcome.Fail("Valid from must be a month such as 2026-12.");
        }

        var current = BillingPeriods.MonthStart(time.GetUtcNow().UtcDateTime);
        if (validFrom <= current)
        {
            return BillingOutcome.Fail($"A plan applies from the next period on: pick {BillingPeriods.NextMonth(current):yyyy-MM} or later.");
        }

        var terms = new PlanTerms(input.Currency.Trim().ToUpperInvariant(), input.MonthlyFee, input.MinimumCharge, input.Tiers, input.PricePer10kRequests, input.PricePerMillionDnsAnswers);
        var errors = terms.Validate();
        if (errors.Count > 0)
        {
            return BillingOutcome.Fail(string.Join(" ", errors));
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var plan = new PricePlanEntity
        {
            Id = Guid.NewGuid(),
            Name = input.Name.Trim(),
            Currency = terms.Currency,
            MonthlyFee = Money.RoundAmount(input.MonthlyFee),
            MinimumCharge = Money.RoundAmount(input.MinimumCharge),
            PricePer10kRequests = Money.RoundUnitPrice(input.PricePer10kRequests),
            PricePerMillionDnsAnswers = Money.RoundUnitPrice(input.PricePerMillionDnsAnswers),
            ValidFrom = validFrom,
            IsDefault = input.IsDefault,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        plan.Tiers.AddRange(input.Tiers.Select(t => new PlanDeliveryTierEntity { Id = Guid.NewGuid(), PlanId = plan.Id, Region = t.Region, FromGb = t.FromGb, PricePerGb = Money.RoundUnitPrice(t.PricePerGb) }));
        if (input.IsDefault)
        {
            // The previous default keeps rating the periods before this one (history), then hands over.
            foreach (var old in await db.PricePlans.Where(p => p.IsDefault && (p.ValidUntil == null || p.ValidUntil > validFrom)).ToListAsync(cancellationToken))
            {
                old.ValidUntil = validFrom;
            }
        }

        db.PricePlans.Add(plan);
        await db.SaveChangesAsync(cancellationToken);
        return BillingOutcome.Ok($"Plan {plan.Name} created, valid from {validFrom:yyyy-MM}.", plan.Id);
    }

    /// <summary>Retires a plan from the next period on; organizations on it need another assignment by then.</summary>
    public async Task<BillingOutcome> RetirePlanAsync(Guid planId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var plan = await db.PricePlans.FirstOrDefaultAsync(p => p.Id == planId, cancellationToken);
        if (plan is null)
        {
            return BillingOutcome.Fail("Plan not found.");
        }

        var next = BillingPeriods.NextMonth(BillingPeriods.MonthStart(time.GetUtcNow().UtcDateTime));
        plan.ValidUntil = plan.ValidFrom >= next ? plan.ValidFrom : next;
        await db.SaveChangesAsync(cancellationToken);
        return BillingOutcome.Ok($"Plan {plan.Name} rates its last period before {plan.ValidUntil:yyyy-MM}.");
    }

    /// <summary>Moves an organization to a plan from the next period on (the current period keeps its plan).</summary>
    public async Task<BillingOutcome> AssignPlanAsync(Guid organizationId, Guid planId, string by, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var next = BillingPeriods.NextMonth(BillingPeriods.MonthStart(time.GetUtcNow().UtcDateTime));
        var plan = await db.PricePlans.FirstOrDefaultAsync(p => p.Id == planId, cancellationToken);
        if (plan is null || !await db.Organizations.AnyAsync(o => o.Id == organizationId, cancellationToken))
        {
            return BillingOutcome.Fail("Plan or organization not found.");
        }

        var effective = plan.ValidFrom > next ? plan.ValidFrom : next;
        if (!plan.IsValidFor(effective))
        {
            return BillingOutcome.Fail($"Plan {plan.Name} is retired before {effective:yyyy-MM}.");
        }

        db.PlanAssignments.Add(new PlanAssignmentEntity
        {
            Id = Guid.NewGuid(), OrganizationId = organizationId, PlanId = planId, EffectiveFrom = effective, AssignedAt = time.GetUtcNow().UtcDateTime, AssignedBy = by,
        });
        await db.SaveChangesAsync(cancellationToken);
        return BillingOutcome.Ok($"{plan.Name} applies from {effective:yyyy-MM}.");
    }

    public async Task<IReadOnlyList<PlanHistoryRow>> PlanHistoryAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var rows = await db.PlanAssignments.AsNoTracking().Where(a => a.OrganizationId == organizationId)
            .Select(a => new { a.Plan!.Name, a.EffectiveFrom, a.AssignedAt, a.AssignedBy }).ToListAsync(cancellationToken);
        return rows.OrderByDescending(r => r.EffectiveFrom).ThenByDescending(r => r.AssignedAt).Select(r => new PlanHistoryRow(r.Name, r.EffectiveFrom, r.AssignedAt, r.AssignedBy)).ToList();
    }

    public async Task<BillingProfileEntity?> ProfileAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        return await db.BillingProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.OrganizationId == organizationId, cancellationToken);
    }

    public async Task<BillingOutcome> SaveProfileAsync(Guid organizationId, BillingProfileInput input, CancellationToken cancellationToken = default)
    {
        var country = input.Country.Trim().ToUpperInvariant();
        if (string.IsNullOrWhiteSpace(input.LegalName) || input.LegalName.Length > 200)
        {
            return BillingOutcome.Fail("The legal name is required (at most 200 characters).");
        }

        if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
        {
            return BillingOutcome.Fail("Country must be a two-letter ISO code such as DE.");
        }

        string? vatId = null;
        if (!string.IsNullOrWhiteSpace(input.VatId))
        {
            if (!VatIds.TryNormalize(input.VatId, out var normalized, out var vatCountry))
            {
                return BillingOutcome.Fail($"{input.VatId.Trim()} is not a VAT id in a known format (e.g. DE123456789, FRXX999999999).");
            }

            if (vatCountry != country)
            {
                return BillingOutcome.Fail($"The VAT id is from {vatCountry}, but the address is in {country}.");
            }

            vatId = normalized;
        }

        if (input.BillingEmail is { Length: > 0 } email && !System.Net.Mail.MailAddress.TryCreate(email, out _))
        {
            return BillingOutcome.Fail("The billing e-mail is not an e-mail address.");
        }

        var o = options.Value;
        var treatment = input.TaxTreatment ?? TaxRules.Suggest(o.Supplier.Country, country, vatId is not null);
        if (treatment == TaxTreatment.ReverseCharge && vatId is null)
        {
            return BillingOutcome.Fail("Reverse charge needs the customer's VAT id.");
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var profile = await db.BillingProfiles.FirstOrDefaultAsync(p => p.OrganizationId == organizationId, cancellationToken);
        if (profile is null)
        {
            profile = new BillingProfileEntity { OrganizationId = organizationId, LegalName = "" };
            db.BillingProfiles.Add(profile);
        }

        profile.LegalName = input.LegalName.Trim();
        profile.AddressLine1 = input.AddressLine1.Trim();
        profile.AddressLine2 = input.AddressLine2.Trim();
        profile.PostalCode = input.PostalCode.Trim();
        profile.City = input.City.Trim();
        profile.Country = country;
        profile.VatId = vatId;
        profile.TaxTreatment = treatment;
        profile.VatRatePercent = input.VatRatePercent ?? o.StandardVatRatePercent;
        profile.BillingEmail = string.IsNullOrWhiteSpace(input.BillingEmail) ? null : input.BillingEmail.Trim();
        profile.PaymentTermsDays = Math.Clamp(input.PaymentTermsDays, 0, 120);
        profile.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return BillingOutcome.Ok($"Billing profile saved ({treatment}).");
    }
}
