using MudBlazor;
using Speedera.Web.Data;

namespace Speedera.Web.Components.Shared;

/// <summary>Turns what a MudDataGrid asks for into a <see cref="PageQuery"/> for a feature's service.</summary>
public static class GridQueries
{
    public static PageQuery ToPageQuery<T>(this GridState<T> state, string? search = null)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        return new PageQuery(state.Page, state.PageSize, sort?.SortBy, sort?.Descending ?? false, search);
    }

    public static GridData<T> ToGridData<T>(this PageResult<T> result) => new() { Items = result.Items, TotalItems = result.Total };
}
