<?xml version="1.0"?>
<!--
  vos_timer README, stage 2 of 2: the XHTML page made by readme.xsl to
  plain text, laid out like the READMEs Kamailio makes with lynx -dump
  (titles at column 0, text indented by 3 and wrapped, programlistings
  verbatim at column 0). Plain XSLT 1.0 for xsltproc: no lynx needed.

  It knows the handful of XHTML shapes docbook-xsl emits for the
  DocBook elements the vos_timer docs use: headings, p, pre, ul, ol, dl
  (variablelist), table, and the toc / list-of-* blocks.
-->
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
	xmlns:h="http://www.w3.org/1999/xhtml"
	exclude-result-prefixes="h"
	version="1.0">

	<xsl:output method="text" encoding="UTF-8"/>

	<!-- Longest line of wrapped text. -->
	<xsl:param name="width" select="76"/>
	<!-- Indent of body text. -->
	<xsl:param name="body.indent" select="3"/>

	<xsl:variable name="nl" select="'&#10;'"/>
	<!-- No-break space, curly quotes, en and em dash: made ASCII. -->
	<xsl:variable name="typo.from">&#160;&#8220;&#8221;&#8216;&#8217;&#8211;&#8212;</xsl:variable>
	<xsl:variable name="typo.to"> ""''--</xsl:variable>
	<xsl:variable name="spaces"
		select="'                                                                                '"/>

	<!-- ================================================================
	     Driver: render everything, then squeeze blank-line runs.
	     ================================================================ -->
	<xsl:template match="/">
		<xsl:variable name="raw">
			<xsl:apply-templates select="h:html/h:body" mode="b">
				<xsl:with-param name="indent" select="$body.indent"/>
			</xsl:apply-templates>
		</xsl:variable>
		<xsl:variable name="squeezed">
			<xsl:call-template name="squeeze">
				<xsl:with-param name="s" select="string($raw)"/>
			</xsl:call-template>
		</xsl:variable>
		<xsl:call-template name="trim-newlines">
			<xsl:with-param name="s" select="string($squeezed)"/>
		</xsl:call-template>
		<xsl:value-of select="$nl"/>
	</xsl:template>

	<!-- ================================================================
	     Text helpers
	     ================================================================ -->

	<!-- Inline text of a node: no-break spaces and typographic quotes
	     made plain, blanks collapsed. -->
	<xsl:template name="inline">
		<xsl:param name="node" select="."/>
		<xsl:value-of select="normalize-space(translate(string($node),
			$typo.from, $typo.to))"/>
	</xsl:template>

	<xsl:template name="pad">
		<xsl:param name="n" select="0"/>
		<xsl:if test="$n &gt; 0">
			<xsl:value-of select="substring($spaces, 1, $n)"/>
		</xsl:if>
	</xsl:template>

	<!-- Position (1-based) of the last blank in s, 0 if none. -->
	<xsl:template name="last-blank">
		<xsl:param name="s"/>
		<xsl:param name="acc" select="0"/>
		<xsl:choose>
			<xsl:when test="contains($s, ' ')">
				<xsl:call-template name="last-blank">
					<xsl:with-param name="s" select="substring-after($s, ' ')"/>
					<xsl:with-param name="acc"
						select="$acc + string-length(substring-before($s, ' ')) + 1"/>
				</xsl:call-template>
			</xsl:when>
			<xsl:otherwise>
				<xsl:value-of select="$acc"/>
			</xsl:otherwise>
		</xsl:choose>
	</xsl:template>

	<!-- Word-wrap normalized text: first line after prefix1, the others
	     after prefix2; each line ends with a newline. A word longer than
	     the line is left whole. -->
	<xsl:template name="wrap">
		<xsl:param name="text"/>
		<xsl:param name="prefix1"/>
		<xsl:param name="prefix2"/>
		<xsl:variable name="avail" select="$width - string-length($prefix1)"/>
		<xsl:choose>
			<xsl:when test="string-length($text) &lt;= $avail">
				<xsl:value-of select="concat($prefix1, $text, $nl)"/>
			</xsl:when>
			<xsl:otherwise>
				<xsl:variable name="cut">
					<xsl:call-template name="last-blank">
						<xsl:with-param name="s" select="substring($text, 1, $avail + 1)"/>
					</xsl:call-template>
				</xsl:variable>
				<xsl:variable name="line">
					<xsl:choose>
						<xsl:when test="$cut &gt; 1">
							<xsl:value-of select="substring($text, 1, $cut - 1)"/>
						</xsl:when>
						<xsl:when test="contains($text, ' ')">
							<xsl:value-of select="substring-before($text, ' ')"/>
						</xsl:when>
						<xsl:otherwise>
							<xsl:value-of select="$text"/>
						</xsl:otherwise>
					</xsl:choose>
				</xsl:variable>
				<xsl:value-of select="concat($prefix1, $line, $nl)"/>
				<xsl:variable name="rest"
					select="normalize-space(substring($text, string-length($line) + 1))"/>
				<xsl:if test="$rest != ''">
					<xsl:call-template name="wrap">
						<xsl:with-param name="text" select="$rest"/>
						<xsl:with-param name="prefix1" select="$prefix2"/>
						<xsl:with-param name="prefix2" select="$prefix2"/>
					</xsl:call-template>
				</xsl:if>
			</xsl:otherwise>
		</xsl:choose>
	</xsl:template>

	<!-- A wrapped paragraph at an indent, set off by blank lines. -->
	<xsl:template name="para">
		<xsl:param name="text"/>
		<xsl:param name="indent"/>
		<xsl:if test="$text != ''">
			<xsl:variable name="p" select="substring($spaces, 1, $indent)"/>
			<xsl:value-of select="concat($nl, $nl)"/>
			<xsl:call-template name="wrap">
				<xsl:with-param name="text" select="$text"/>
				<xsl:with-param name="prefix1" select="$p"/>
				<xsl:with-param name="prefix2" select="$p"/>
			</xsl:call-template>
			<xsl:value-of select="$nl"/>
		</xsl:if>
	</xsl:template>

	<!-- Replace every occurrence of what in s by with. -->
	<xsl:template name="replace">
		<xsl:param name="s"/>
		<xsl:param name="what"/>
		<xsl:param name="with"/>
		<xsl:choose>
			<xsl:when test="contains($s, $what)">
				<xsl:value-of select="concat(substring-before($s, $what), $with)"/>
				<xsl:call-template name="replace">
					<xsl:with-param name="s" select="substring-after($s, $what)"/>
					<xsl:with-param name="what" select="$what"/>
					<xsl:with-param name="with" select="$with"/>
				</xsl:call-template>
			</xsl:when>
			<xsl:otherwise>
				<xsl:value-of select="$s"/>
			</xsl:otherwise>
		</xsl:choose>
	</xsl:template>

	<!-- At most one blank line in a row. -->
	<xsl:template name="squeeze">
		<xsl:param name="s"/>
		<xsl:variable name="three" select="concat($nl, $nl, $nl)"/>
		<xsl:choose>
			<xsl:when test="contains($s, $three)">
				<xsl:value-of select="substring-before($s, $three)"/>
				<xsl:call-template name="squeeze">
					<xsl:with-param name="s"
						select="concat($nl, $nl, substring-after($s, $three))"/>
				</xsl:call-template>
			</xsl:when>
			<xsl:otherwise>
				<xsl:value-of select="$s"/>
			</xsl:otherwise>
		</xsl:choose>
	</xsl:template>

	<!-- No newline at the start or at the end. -->
	<xsl:template name="trim-newlines">
		<xsl:param name="s"/>
		<xsl:choose>
			<xsl:when test="starts-with($s, $nl)">
				<xsl:call-template name="trim-newlines">
					<xsl:with-param name="s" select="substring($s, 2)"/>
				</xsl:call-template>
			</xsl:when>
			<xsl:when test="substring($s, string-length($s)) = $nl">
				<xsl:call-template name="trim-newlines">
					<xsl:with-param name="s"
						select="substring($s, 1, string-length($s) - 1)"/>
				</xsl:call-template>
			</xsl:when>
			<xsl:otherwise>
				<xsl:value-of select="$s"/>
			</xsl:otherwise>
		</xsl:choose>
	</xsl:template>

	<!-- ================================================================
	     Blocks (mode b). Each block starts and ends with a blank line;
	     squeeze removes the extra ones.
	     ================================================================ -->

	<xsl:template match="*" mode="b">
		<xsl:param name="indent"/>
		<xsl:apply-templates mode="b">
			<xsl:with-param name="indent" select="$indent"/>
		</xsl:apply-templates>
	</xsl:template>

	<!-- Inline markup or stray text met where a block was expected. -->
	<xsl:template match="text()|h:a|h:span|h:code|h:em|h:strong|h:b|h:i" mode="b">
		<xsl:param name="indent"/>
		<xsl:call-template name="para">
			<xsl:with-param name="text">
				<xsl:call-template name="inline"/>
			</xsl:with-param>
			<xsl:with-param name="indent" select="$indent"/>
		</xsl:call-template>
	</xsl:template>

	<xsl:template match="h:head|h:br|h:colgroup" mode="b"/>

	<xsl:template match="h:h1|h:h2|h:h3|h:h4|h:h5|h:h6" mode="b">
		<xsl:value-of select="concat($nl, $nl)"/>
		<xsl:call-template name="inline"/>
		<xsl:value-of select="concat($nl, $nl)"/>
	</xsl:template>

	<xsl:template match="h:hr" mode="b">
		<xsl:value-of select="concat($nl, '     ')"/>
		<xsl:value-of select="translate(substring($spaces, 1, 66), ' ', '_')"/>
		<xsl:value-of select="concat($nl, $nl)"/>
	</xsl:template>

	<xsl:template match="h:p" mode="b">
		<xsl:param name="indent"/>
		<xsl:call-template name="para">
			<xsl:with-param name="text">
				<xsl:call-template name="inline"/>
			</xsl:with-param>
			<xsl:with-param name="indent" select="$indent"/>
		</xsl:call-template>
	</xsl:template>

	<!-- Title of an example or a table: the listing follows at once. -->
	<xsl:template match="h:p[@class='title']" mode="b">
		<xsl:param name="indent"/>
		<xsl:value-of select="concat($nl, $nl)"/>
		<xsl:call-template name="wrap">
			<xsl:with-param name="text">
				<xsl:call-template name="inline"/>
			</xsl:with-param>
			<xsl:with-param name="prefix1" select="substring($spaces, 1, $indent)"/>
			<xsl:with-param name="prefix2" select="substring($spaces, 1, $indent)"/>
		</xsl:call-template>
	</xsl:template>

	<!-- Verbatim at column 0, as lynx prints it. The first newline after
	     <pre> is not content (HTML rule); trailing blanks are dropped;
	     tabs become 4 blanks. -->
	<xsl:template match="h:pre" mode="b">
		<xsl:variable name="s0" select="string(.)"/>
		<xsl:variable name="s1">
			<xsl:choose>
				<xsl:when test="starts-with($s0, $nl)">
					<xsl:value-of select="substring($s0, 2)"/>
				</xsl:when>
				<xsl:otherwise>
					<xsl:value-of select="$s0"/>
				</xsl:otherwise>
			</xsl:choose>
		</xsl:variable>
		<xsl:variable name="s2">
			<xsl:call-template name="trim-newlines">
				<xsl:with-param name="s" select="string($s1)"/>
			</xsl:call-template>
		</xsl:variable>
		<xsl:if test="not(ancestor::h:div[@class='example'])">
			<xsl:value-of select="concat($nl, $nl)"/>
		</xsl:if>
		<xsl:call-template name="replace">
			<xsl:with-param name="s" select="string($s2)"/>
			<xsl:with-param name="what" select="'&#9;'"/>
			<xsl:with-param name="with" select="'    '"/>
		</xsl:call-template>
		<xsl:value-of select="concat($nl, $nl)"/>
	</xsl:template>

	<!-- Lists. Items are separated by a blank line only when some item
	     needs more than one line. -->
	<xsl:template match="h:ul|h:ol" mode="b">
		<xsl:param name="indent"/>
		<xsl:variable name="long"
			select="h:li[string-length(normalize-space(.)) &gt; $width - $indent - 6]"/>
		<xsl:value-of select="concat($nl, $nl)"/>
		<xsl:for-each select="h:li">
			<xsl:variable name="marker">
				<xsl:choose>
					<xsl:when test="parent::h:ol">
						<xsl:value-of select="concat(position(), '. ')"/>
					</xsl:when>
					<xsl:otherwise>* </xsl:otherwise>
				</xsl:choose>
			</xsl:variable>
			<xsl:variable name="inner" select="$indent + 2 + string-length($marker)"/>
			<xsl:if test="$long and position() &gt; 1">
				<xsl:value-of select="$nl"/>
			</xsl:if>
			<xsl:variable name="first" select="*[1][self::h:p]"/>
			<xsl:variable name="text">
				<xsl:choose>
					<xsl:when test="$first">
						<xsl:call-template name="inline">
							<xsl:with-param name="node" select="$first"/>
						</xsl:call-template>
					</xsl:when>
					<xsl:otherwise>
						<xsl:call-template name="inline"/>
					</xsl:otherwise>
				</xsl:choose>
			</xsl:variable>
			<xsl:call-template name="wrap">
				<xsl:with-param name="text" select="string($text)"/>
				<xsl:with-param name="prefix1"
					select="concat(substring($spaces, 1, $indent + 2), $marker)"/>
				<xsl:with-param name="prefix2" select="substring($spaces, 1, $inner)"/>
			</xsl:call-template>
			<xsl:if test="$first">
				<xsl:apply-templates select="*[position() &gt; 1]" mode="b">
					<xsl:with-param name="indent" select="$inner"/>
				</xsl:apply-templates>
			</xsl:if>
		</xsl:for-each>
		<xsl:value-of select="concat($nl, $nl)"/>
	</xsl:template>

	<!-- Variable lists: the term, then its text indented below it. -->
	<xsl:template match="h:dl" mode="b">
		<xsl:param name="indent"/>
		<xsl:for-each select="h:dt">
			<xsl:value-of select="concat($nl, $nl)"/>
			<xsl:call-template name="wrap">
				<xsl:with-param name="text">
					<xsl:call-template name="inline"/>
				</xsl:with-param>
				<xsl:with-param name="prefix1" select="substring($spaces, 1, $indent)"/>
				<xsl:with-param name="prefix2" select="substring($spaces, 1, $indent)"/>
			</xsl:call-template>
			<xsl:for-each select="following-sibling::*[1][self::h:dd]">
				<xsl:for-each select="*">
					<xsl:choose>
						<xsl:when test="position() = 1 and self::h:p">
							<xsl:call-template name="wrap">
								<xsl:with-param name="text">
									<xsl:call-template name="inline"/>
								</xsl:with-param>
								<xsl:with-param name="prefix1"
									select="substring($spaces, 1, $indent + 5)"/>
								<xsl:with-param name="prefix2"
									select="substring($spaces, 1, $indent + 5)"/>
							</xsl:call-template>
						</xsl:when>
						<xsl:otherwise>
							<xsl:apply-templates select="." mode="b">
								<xsl:with-param name="indent" select="$indent + 5"/>
							</xsl:apply-templates>
						</xsl:otherwise>
					</xsl:choose>
				</xsl:for-each>
			</xsl:for-each>
		</xsl:for-each>
		<xsl:value-of select="concat($nl, $nl)"/>
	</xsl:template>

	<!-- ================================================================
	     Tables of contents and lists of tables / examples
	     ================================================================ -->
	<xsl:template match="h:div[@class='toc' or starts-with(@class, 'list-of-')]" mode="b">
		<xsl:param name="indent"/>
		<xsl:apply-templates select="h:p" mode="b">
			<xsl:with-param name="indent" select="$indent"/>
		</xsl:apply-templates>
		<xsl:value-of select="$nl"/>
		<xsl:apply-templates select="h:dl" mode="toc">
			<xsl:with-param name="indent" select="$indent"/>
		</xsl:apply-templates>
		<xsl:value-of select="concat($nl, $nl)"/>
	</xsl:template>

	<xsl:template match="h:dl" mode="toc">
		<xsl:param name="indent"/>
		<xsl:for-each select="h:dt|h:dd">
			<xsl:choose>
				<xsl:when test="self::h:dt">
					<xsl:call-template name="wrap">
						<xsl:with-param name="text">
							<xsl:call-template name="inline"/>
						</xsl:with-param>
						<xsl:with-param name="prefix1" select="substring($spaces, 1, $indent)"/>
						<xsl:with-param name="prefix2" select="substring($spaces, 1, $indent + 5)"/>
					</xsl:call-template>
				</xsl:when>
				<xsl:otherwise>
					<xsl:value-of select="$nl"/>
					<xsl:apply-templates select="h:dl" mode="toc">
						<xsl:with-param name="indent" select="$indent + 5"/>
					</xsl:apply-templates>
					<xsl:value-of select="$nl"/>
				</xsl:otherwise>
			</xsl:choose>
		</xsl:for-each>
	</xsl:template>

	<!-- ================================================================
	     Tables: columns padded to their widest cell; the last column is
	     wrapped under itself when the row is too long.
	     ================================================================ -->
	<xsl:template match="h:table" mode="b">
		<xsl:param name="indent"/>
		<xsl:variable name="rows" select=".//h:tr"/>
		<xsl:for-each select="$rows">
			<xsl:variable name="row" select="."/>
			<xsl:variable name="cells" select="h:th|h:td"/>
			<xsl:variable name="line">
				<xsl:for-each select="$cells[position() &lt; last()]">
					<xsl:variable name="col" select="position()"/>
					<xsl:variable name="w">
						<xsl:call-template name="col-width">
							<xsl:with-param name="rows" select="$rows"/>
							<xsl:with-param name="col" select="$col"/>
						</xsl:call-template>
					</xsl:variable>
					<xsl:variable name="t">
						<xsl:call-template name="inline"/>
					</xsl:variable>
					<xsl:value-of select="$t"/>
					<xsl:value-of select="substring($spaces, 1, $w - string-length($t) + 2)"/>
				</xsl:for-each>
			</xsl:variable>
			<xsl:variable name="last">
				<xsl:call-template name="inline">
					<xsl:with-param name="node" select="$cells[last()]"/>
				</xsl:call-template>
			</xsl:variable>
			<xsl:call-template name="wrap">
				<xsl:with-param name="text" select="string($last)"/>
				<xsl:with-param name="prefix1"
					select="concat(substring($spaces, 1, $indent), $line)"/>
				<xsl:with-param name="prefix2"
					select="substring($spaces, 1, $indent + string-length($line))"/>
			</xsl:call-template>
			<!-- Underline the header row. -->
			<xsl:if test="parent::h:thead">
				<xsl:value-of select="substring($spaces, 1, $indent)"/>
				<xsl:for-each select="$cells">
					<xsl:variable name="w">
						<xsl:call-template name="col-width">
							<xsl:with-param name="rows" select="$rows"/>
							<xsl:with-param name="col" select="position()"/>
						</xsl:call-template>
					</xsl:variable>
					<xsl:value-of select="translate(substring($spaces, 1, $w), ' ', '-')"/>
					<xsl:if test="position() != last()">
						<xsl:text>  </xsl:text>
					</xsl:if>
				</xsl:for-each>
				<xsl:value-of select="$nl"/>
			</xsl:if>
		</xsl:for-each>
		<xsl:value-of select="concat($nl, $nl)"/>
	</xsl:template>

	<!-- Width of the widest cell of column col. -->
	<xsl:template name="col-width">
		<xsl:param name="rows"/>
		<xsl:param name="col"/>
		<xsl:for-each select="$rows/*[self::h:th or self::h:td][position() = $col]">
			<xsl:sort select="string-length(normalize-space(translate(., '&#160;', ' ')))"
				data-type="number" order="descending"/>
			<xsl:if test="position() = 1">
				<xsl:value-of select="string-length(normalize-space(translate(., '&#160;', ' ')))"/>
			</xsl:if>
		</xsl:for-each>
	</xsl:template>

</xsl:stylesheet>
