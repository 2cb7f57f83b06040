#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace qreload::app {

/*!
 * The head of one HTTP/1.x request (request line and header fields), read incrementally from
 * the bytes a connection receives, so that ConnectionGuard can judge a request before Qt 6.4's
 * QHttpServer parser reads its body.
 *
 * It ends the head exactly where that parser does (blank lines before the request line are
 * skipped; the head ends at the first empty line, CRLF or bare LF), so the guard and the parser
 * agree on where the body starts. The body length follows the parser too: `Transfer-Encoding`
 * containing `chunked` wins over `Content-Length`.
 */
class RequestHead
{
public:
    enum class State {
        RequestLine, //!< waiting for the end of the request line
        Fields,      //!< request line read; waiting for the empty line after the header fields
        Complete,    //!< the whole head is read; the accessors below describe it
        Malformed,   //!< the request line is not `METHOD SP target SP HTTP/x.y`
        TooLong,     //!< the head is longer than the limit given to feed()
    };

    //! Reads from `data` up to the end of the head; returns how many bytes belong to the head
    //! (all of them while it is incomplete). Stops at Malformed or TooLong (head longer than
    //! `maxBytes`).
    qsizetype feed(QByteArrayView data, qsizetype maxBytes);
    //! Ready for the next request's head (keeps the buffers' memory).
    void clear();

    State state() const { return m_state; }
    bool isComplete() const { return m_state == State::Complete; }
    //! Bytes of the head read so far (whitespace skipped before the request line included).
    qsizetype size() const { return m_size; }
    //! Some of the request line has arrived (more than blank lines between requests).
    bool isStarted() const { return m_state != State::RequestLine || !m_partial.isEmpty(); }

    int majorVersion() const { return m_major; }
    int minorVersion() const { return m_minor; }
    //! The body is sent in chunks (Transfer-Encoding names `chunked`).
    bool isChunked() const { return m_chunked; }
    //! Content-Length: -1 without one; -2 when it is not a number or several values disagree.
    qint64 contentLength() const;
    //! The connection ends after the response: `Connection: close`, or HTTP/1.0 without
    //! `Connection: keep-alive`.
    bool closesConnection() const;
    //! HTTP/1.0 that asked for keep-alive (the response must say `Connection: keep-alive`).
    bool isKeepAliveHttp10() const;

private:
    bool parseRequestLine(QByteArrayView line);
    void parseField(QByteArrayView line);

    State m_state = State::RequestLine;
    qsizetype m_size = 0;
    QByteArray m_partial; //!< the start of a line whose end has not arrived yet
    int m_major = 1;
    int m_minor = 1;
    // Only the fields the guard judges are kept (the parser keeps them all anyway).
    QList<QByteArray> m_contentLengths;
    bool m_chunked = false;
    bool m_connectionClose = false;
    bool m_connectionKeepAlive = false;
};

} // namespace qreload::app
