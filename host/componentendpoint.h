#pragma once

#include <QByteArray>
#include <QJsonObject>

namespace qreload {
class Generation;
}

namespace qreload::app {

/*!
 * The preview server's introspection of one generation, as JSON:
 *
 * - `GET /_qreload/components/<key>`: the component's details (ComponentDetails::toJson() plus
 *   the generation number). Never creates an instance: a lazy component that nothing has used yet
 *   is shown without properties and methods.
 * - `POST /_qreload/components/<key>/invoke/<method>` with a body `{"args": [...]}` (an empty body
 *   means no arguments): calls a public Q_INVOKABLE method or slot and answers its return value.
 *   Needs the session token. A method needs an instance, so invoking a lazy component that does
 *   not exist yet creates it, and a prototype gets a new instance per call; the answer's
 *   `createdByThisCall` says when that happened, for failed calls too.
 *
 * `<key>` and `<method>` are one path segment each, percent-decoded once (`greet(QString)` may be
 * sent as `greet%28QString%29`). A segment that is empty, `.` or `..`, longer than 256
 * characters, not UTF-8, or that decodes to a slash, a backslash, a `%` or a control character is
 * refused with 400 before anything is looked up.
 *
 * Answers are JSON objects. A failure has `error` (the message) and `reason`: an
 * Error::reasonName() (`unknown-component` 404, `method-not-found` 404, `bad-arguments` 422,
 * `invocation-failed` 500, ...), or for a request that is wrong in itself `bad-request` 400,
 * `forbidden` 403, `not-found` 404, `method-not-allowed` 405, `no-generation` 503.
 * Runs on the thread that calls answer(), and so does the plugin code it reaches (property
 * getters, the invoked method).
 */
class ComponentEndpoint
{
public:
    //! An HTTP status and the JSON object to send with it.
    struct Answer
    {
        int status = 200;
        QJsonObject json;
    };

    //! True for `/_qreload/components` and every path below it (percent-encoded form).
    static bool handles(const QByteArray &encodedPath);

    //! `generation` is the one the request is served by; null when none is loaded yet.
    explicit ComponentEndpoint(Generation *generation);

    /*!
     * Answers one request. `encodedPath` is the path as sent (percent-encoded); `authorized` says
     * whether the request carried the session token, which invoking requires.
     */
    Answer answer(const QByteArray &method, const QByteArray &encodedPath, const QByteArray &body,
                  bool authorized) const;

private:
    Answer details(const QString &key) const;
    Answer invoke(const QString &key, const QString &method, const QByteArray &body) const;
    Answer unknownComponent(const QString &key) const;

    Generation *m_generation;
};

} // namespace qreload::app
