<?xml version="1.0"?>
<!--
  vos_timer README, stage 1 of 2: DocBook to a single XHTML page with
  docbook-xsl (the same settings Kamailio's doc/docbook/readme.xsl uses).
  Stage 2, html2txt.xsl, turns that page into the plain-text README.
  The import URI is the canonical docbook-xsl one; Debian's XML catalog
  maps it to /usr/share/xml/docbook/stylesheet/docbook-xsl, so xsltproc
  works with nonet.
-->
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
	version="1.0">

	<xsl:import href="http://docbook.sourceforge.net/release/xsl/current/xhtml/docbook.xsl"/>

	<xsl:output method="xml" encoding="UTF-8" indent="no"/>

	<!-- Numbered sections: "4.1. session_ttl (integer)". -->
	<xsl:param name="section.autolabel">1</xsl:param>
	<xsl:param name="section.label.includes.component.label">0</xsl:param>
	<!-- Book table of contents with lists of tables and examples. -->
	<xsl:param name="generate.toc">book toc,title,figure,table,example
chapter toc,title
section toc</xsl:param>
	<xsl:param name="toc.section.depth">4</xsl:param>
	<!-- Only the top-level sections get their own small table of contents. -->
	<xsl:param name="generate.section.toc.level">1</xsl:param>
	<!-- Deterministic, plain output. -->
	<xsl:param name="html.cleanup">1</xsl:param>
	<xsl:param name="css.decoration">0</xsl:param>
	<xsl:param name="generate.meta.abstract">0</xsl:param>
	<xsl:param name="ulink.show">0</xsl:param>
</xsl:stylesheet>
