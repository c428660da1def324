using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Speedera.Core.ControlPlane;
using Speedera.Core.PageCheck;
using Speedera.Web.Data;
using Speedera.Web.Features.Reports;

namespace Speedera.Web.Features.PageCheck;

/// <summary>
/// Stores a probe node's page-check result on its location. A result that arrives after the location's deadline (a
/// spool emptied after an outage) is still kept: the customer sees it instead of "timed out".
/// </summary>
public sealed class PageCheckResultsConsumer(TimeProvider time) : IUploadConsumer
{
    public string Kind => UploadKinds.PageCheckResults;

    public async Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken)
    {
        var result = payload.Deserialize(PageCheckJson.Default.PageCheckLocationResult);
        if (result is null || result.NodeId != nodeId)
        {
            return;
        }

        var location = await db.PageCheckLocations.SingleOrDefaultAsync(l => l.CheckId == result.CheckId && l.PopId == result.PopId, cancellationToken);
        if (location is null || (location.NodeId is not null && location.NodeId != nodeId))
        {
            return;
        }

        var first = result.Views.Count > 0 ? result.Views[0] : null;
        var summary = first?.Summary;
        location.NodeId = nodeId;
        location.Status = result.Error is null && first is not null && first.Requests.Count > 0 ? PageCheckLocationStatus.Done : PageCheckLocationStatus.Failed;
        location.Error = result.Error is { Length: > 2000 } e ? e[..2000] : result.Error;
        location.CompletedAt = time.GetUtcNow().UtcDateTime;
        location.ResultJson = payload.GetRawText();
        location.LoadMs = summary?.TotalMs;
        location.Bytes = summary?.WireBytes;
        location.Requests = summary?.Requests;
        location.Errors = summary?.Errors;
    }
}
