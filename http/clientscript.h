#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace qreload::app {

/*!
 * The browser side of live reload: the script served at `/_qreload/client.js` (with the error
 * overlay's CSS built in) and its injection into the HTML pages of component routes.
 *
 * The script tag carries what the page needs to follow along without a race: the generation
 * that served the page, the journal's last event id and session when it was served (so the
 * first connection resumes right after it), and the component whose route served it (a reload
 * that kept that very instance does not reload the page).
 */
class ClientScript
{
public:
    //! What the injected tag tells the page about itself.
    struct Page
    {
        quint64 generation = 0;
        quint64 lastEventId = 0;
        QString session;
        QString component; //!< the key of the route's component; empty when not known
    };

    //! The path the script is served at.
    static QString path() { return QStringLiteral("/_qreload/client.js"); }
    //! The script, with the overlay CSS in it (read from the resources once).
    static const QByteArray &script();
    //! `text/html` (any parameters, any case): only such answers get the script.
    static bool isHtml(const QByteArray &contentType);
    //! `<script src="/_qreload/client.js" data-...></script>`
    static QByteArray tag(const Page &page);
    /*!
     * `html` with `tag` before its last `</body>` (any case); without one, before `</html>`;
     * without that either, at the end (browsers run a script there as well).
     */
    static QByteArray inject(const QByteArray &html, const QByteArray &tag);
};

} // namespace qreload::app
