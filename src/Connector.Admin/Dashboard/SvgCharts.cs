using System.Globalization;
using System.Text;
using Connector.Admin.Pages;

namespace Connector.Admin.Dashboard;

/// <summary>Small server-rendered SVG charts (no script): horizontal bars with their values written out.</summary>
internal static class SvgCharts
{
    /// <summary>Bars for values in [0, max]; <paramref name="format"/> renders each value's label.</summary>
    public static string Bars(string title, IReadOnlyList<(string Label, decimal Value)> bars, Func<decimal, string> format, decimal? max = null)
    {
        const int labelWidth = 170, barWidth = 300, rowHeight = 24, top = 24;
        var scale = max ?? (bars.Count == 0 ? 1m : Math.Max(bars.Max(b => b.Value), 0.0001m));
        var height = top + (bars.Count * rowHeight) + 8;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg role=\"img\" aria-label=\"{Html.E(title)}\" width=\"{labelWidth + barWidth + 110}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Html.E(title)}</title><text x=\"0\" y=\"14\" font-weight=\"bold\">{Html.E(title)}</text>");
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var y = top + (i * rowHeight);
            var width = scale <= 0 ? 0 : (int)Math.Round(Math.Clamp(value / scale, 0m, 1m) * barWidth);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 15}\">{Html.E(label)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{width}\" height=\"{rowHeight - 8}\" fill=\"#0b5cab\"><title>{Html.E(label)}: {Html.E(format(value))}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + width + 6}\" y=\"{y + 15}\">{Html.E(format(value))}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    public static string Percent(decimal fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    public static string Count(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
